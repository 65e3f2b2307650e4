// VIBLSTM and its cell must be registered before a saved VIB model or checkpoint loads.
import '@tfjs-compress/vib-rnn';
