// Custom classes must be registered before a saved model loads:
// VIBLSTM (vib-rnn) and the tensor-train / tensor-ring input projections (tensor).
import '@tfjs-compress/vib-rnn';
import '@tfjs-compress/tensor';
