import { DEFAULT_BIAS_CONVENTION } from './counting.js';
import { DEFAULT_GROUP_LASSO_EPSILON, DEFAULT_GROUP_LASSO_LAMBDA, DEFAULT_GROUP_THRESHOLD } from './group-lasso.js';
import { DEFAULT_INPUT_BOTTLENECK } from './insert-bottlenecks.js';
import { DEFAULT_BEGIN_STEP, DEFAULT_END_STEP, DEFAULT_FREQUENCY, DEFAULT_POWER } from './schedules.js';

/**
 * Every default of the package, by the options it fills: how parameters are
 * counted (`summarizeModel`, the report), where `insertBottlenecks` puts
 * input gates, the group-lasso baseline, and the magnitude-pruning schedules.
 * Frozen: read it, pass options to change a value.
 */
export const PRUNE_DEFAULTS = Object.freeze({
  biasConvention: DEFAULT_BIAS_CONVENTION,
  inputBottleneck: DEFAULT_INPUT_BOTTLENECK,
  /** Penalty lambda * sum_k sqrt(G_k + epsilon); a unit is kept while G_k > threshold. */
  groupLasso: Object.freeze({ lambda: DEFAULT_GROUP_LASSO_LAMBDA, epsilon: DEFAULT_GROUP_LASSO_EPSILON, threshold: DEFAULT_GROUP_THRESHOLD }),
  schedule: Object.freeze({ beginStep: DEFAULT_BEGIN_STEP, endStep: DEFAULT_END_STEP, frequency: DEFAULT_FREQUENCY, power: DEFAULT_POWER }),
});
