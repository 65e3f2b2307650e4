import { VIB_DEFAULTS } from '@tfjs-compress/vib';
import { DEFAULT_BUDGET_RUNG, DEFAULT_MAX_REJECTIONS, DEFAULT_RECOVERY_STEPS, EXTENSION_MARGIN, MIN_BUDGET_RUNG } from './accuracy-budget-ladder.js';
import { DEFAULT_MAX_ACCURACY_DROP } from './accuracy-budget-policy.js';
import { CONTROLLER_KL_FAC_RANGE, DEFAULT_CONTROLLER_GROWTH, DEFAULT_CONTROLLER_START_KL_FAC } from './controller-shared.js';
import { DEFAULT_FIT_BATCH_SIZE, DEFAULT_FIT_EPOCHS } from './fit-vib.js';
import { DEFAULT_FIXED_KL_FAC } from './fixed-ramp-policy.js';
import { DEFAULT_SHRINK_PATIENCE } from './in-place-shrinker.js';
import {
  DEFAULT_CONTROLS_PER_EPOCH,
  DEFAULT_FINE_TUNE_FINAL_LR_SCALE,
  DEFAULT_FINE_TUNE_FRACTION,
  DEFAULT_MAX_CANDIDATES,
  DEFAULT_RECOVERY_FINAL_LR_SCALE,
  DEFAULT_TRAINED_FRACTION,
  DEFAULT_WARMUP_FRACTION,
} from './schedule-options.js';
import { DEFAULT_CONTROLLER_DAMPING, DEFAULT_CONTROLLER_GAIN, DEFAULT_TARGET_TOLERANCE } from './target-compression-controller.js';
import { DEFAULT_IB_LR } from './vib-optimizer.js';

/**
 * Every default of the training engine, by the options it fills
 * (`vibOptimizer`, `vibCallback` and its schedule, the three klFac policies,
 * in-place shrinking, `fitVIB`). Frozen: read it, pass options to change a
 * value. The README's option tables state the same numbers (a test checks).
 */
export const TRAIN_DEFAULTS = Object.freeze({
  optimizer: Object.freeze({ lr: VIB_DEFAULTS.trainer.lr, ibLr: DEFAULT_IB_LR, ...VIB_DEFAULTS.leanAdam }),
  schedule: Object.freeze({
    warmupFraction: DEFAULT_WARMUP_FRACTION,
    fineTuneFraction: DEFAULT_FINE_TUNE_FRACTION,
    fineTuneFinalLrScale: DEFAULT_FINE_TUNE_FINAL_LR_SCALE,
    recoveryFinalLrScale: DEFAULT_RECOVERY_FINAL_LR_SCALE,
    controlsPerEpoch: DEFAULT_CONTROLS_PER_EPOCH,
    maxCandidates: DEFAULT_MAX_CANDIDATES,
    trainedFraction: DEFAULT_TRAINED_FRACTION,
  }),
  /** The klFac steps both controllers take, and the range they keep it in. */
  klSteps: Object.freeze({ startKlFac: DEFAULT_CONTROLLER_START_KL_FAC, growth: DEFAULT_CONTROLLER_GROWTH, klFacRange: CONTROLLER_KL_FAC_RANGE }),
  accuracyBudget: Object.freeze({
    maxAccuracyDrop: DEFAULT_MAX_ACCURACY_DROP,
    rung: DEFAULT_BUDGET_RUNG,
    minRung: MIN_BUDGET_RUNG,
    recoverySteps: DEFAULT_RECOVERY_STEPS,
    maxRejections: DEFAULT_MAX_REJECTIONS,
    extensionMargin: EXTENSION_MARGIN,
  }),
  targetCompression: Object.freeze({ gain: DEFAULT_CONTROLLER_GAIN, damping: DEFAULT_CONTROLLER_DAMPING, tolerance: DEFAULT_TARGET_TOLERANCE }),
  fixedRamp: Object.freeze({ klFac: DEFAULT_FIXED_KL_FAC }),
  shrink: Object.freeze({ patience: DEFAULT_SHRINK_PATIENCE }),
  fitVIB: Object.freeze({ epochs: DEFAULT_FIT_EPOCHS, batchSize: DEFAULT_FIT_BATCH_SIZE }),
});
