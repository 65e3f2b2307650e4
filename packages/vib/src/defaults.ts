import { DEFAULT_ADAM_EPSILON, DEFAULT_BETA1, DEFAULT_BETA2 } from './lean-adam.js';
import {
  DEFAULT_INFERENCE_MODE,
  DEFAULT_INIT_STDDEV,
  DEFAULT_KL_FAC,
  DEFAULT_KL_MULT,
  DEFAULT_LOG_D_MEAN,
  DEFAULT_MU_MEAN,
  DEFAULT_THRESHOLD,
  INFERENCE_MODES,
} from './vib-gate.js';
import { DEFAULT_AXIS } from './vib-layer.js';
import { DEFAULT_IB_LR, DEFAULT_LR, DEFAULT_WEIGHT_DECAY } from './vib-trainer.js';

/**
 * Every default of the package, by the options it fills: a gate's
 * (`VIBLayer`, and the gates of VIBLSTM / VIBGRU), `LeanAdam`'s and
 * `VIBTrainer`'s. Frozen: read it, pass options to change a value.
 */
export const VIB_DEFAULTS = Object.freeze({
  gate: Object.freeze({
    klFac: DEFAULT_KL_FAC,
    klMult: DEFAULT_KL_MULT,
    threshold: DEFAULT_THRESHOLD,
    inferenceMode: DEFAULT_INFERENCE_MODE,
    inferenceModes: Object.freeze([...INFERENCE_MODES]),
    /** Initial mu ~ N(muMean, initStddev), logD ~ N(logDMean, initStddev): a near-identity gate. */
    muMean: DEFAULT_MU_MEAN,
    logDMean: DEFAULT_LOG_D_MEAN,
    initStddev: DEFAULT_INIT_STDDEV,
    axis: DEFAULT_AXIS,
  }),
  leanAdam: Object.freeze({ beta1: DEFAULT_BETA1, beta2: DEFAULT_BETA2, epsilon: DEFAULT_ADAM_EPSILON }),
  trainer: Object.freeze({ lr: DEFAULT_LR, ibLr: DEFAULT_IB_LR, weightDecay: DEFAULT_WEIGHT_DECAY }),
});
