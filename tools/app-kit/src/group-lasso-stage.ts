import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { PRUNE_DEFAULTS, groupLasso } from '@tfjs-compress/prune';
import { fileSystemHandler } from '@tfjs-compress/prune/node';
import { assertNonNegative, assertPositive } from '@tfjs-compress/common';
import { runPaths } from './run-files.js';
import { fixedRamp } from './schedules.js';
import { runTraining, type EpochRecord, type TrainingSessionOptions } from './training-session.js';
import { findRecurrentLayer, freezeMasks } from './vib-model.js';

/** Sub-directory of the run that holds the group-lasso stage's checkpoint and metrics. */
export const GROUP_LASSO_DIR = 'group-lasso';
/** Where the VIB model is kept as it was before the group-lasso stage. */
export const BEFORE_GROUP_LASSO_DIR = 'vib-model-before-group-lasso';

/**
 * The run directory, the penalty weight `lambda` (> 0; the paper's ISS setting
 * uses 0.01), the stage's `epochs` (>= 1), the `threshold` under which a
 * unit's G_k counts as zero (default: 0.01, prune's PRUNE_DEFAULTS.groupLasso.threshold),
 * and the data and optimiser settings as runTraining takes them.
 */
export type GroupLassoStageOptions = Pick<TrainingSessionOptions, 'train' | 'test' | 'seed' | 'lr' | 'ibLr' | 'weightDecay' | 'progress' | 'log'> & {
  out: string;
  lambda: number;
  epochs: number;
  threshold?: number;
};

export interface GroupLassoOutcome {
  history: EpochRecord[];
  /** Hidden units left after the zeroing (VIB masks and group lasso together). */
  keptUnits: number;
  totalUnits: number;
  /** Units whose weight groups were zeroed. */
  zeroedUnits: number[];
}

/**
 * The optional ISS stage after VIB (the paper's training setup): the trained VIB
 * model (<out>/vib-model) trains on with its masks frozen and the group-lasso
 * penalty added to the loss, then the hidden units with G_k <= threshold
 * are zeroed (which `compact` removes) and the result replaces
 * <out>/vib-model (the model before it is kept in <out>/vib-model-before-group-lasso).
 * Resumable per stage, not per epoch: the penalty is attached to the live
 * layers, which a checkpoint cannot carry, so an interrupted stage restarts
 * from the saved VIB model.
 */
export async function groupLassoStage(options: GroupLassoStageOptions): Promise<GroupLassoOutcome> {
  assertPositive(options.lambda, 'groupLasso');
  assertPositive(options.epochs, 'groupLassoEpochs');
  const threshold = options.threshold ?? PRUNE_DEFAULTS.groupLasso.threshold;
  assertNonNegative(threshold, 'groupThreshold');
  const log = options.log ?? console.log;
  const paths = runPaths(options.out);
  const model = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
  await model.save(fileSystemHandler(join(paths.dir, BEFORE_GROUP_LASSO_DIR)));
  freezeMasks(model);
  groupLasso(model, { lambda: options.lambda }).attach();
  log(`group lasso: lambda ${options.lambda}, ${options.epochs} epochs with frozen VIB masks, then units with G_k <= ${threshold} are zeroed`);
  const result = await runTraining({
    outDir: join(paths.dir, GROUP_LASSO_DIR),
    epochs: { 'fine-tune': options.epochs },
    // Masks frozen throughout: no KL.
    schedule: fixedRamp(0, 0, 0),
    buildModel: () => model,
    train: options.train,
    test: options.test,
    seed: options.seed + 7919,
    lr: options.lr,
    ibLr: options.ibLr,
    weightDecay: options.weightDecay,
    progress: options.progress,
    log,
  });
  try {
    const splits = groupLasso(result.model).prune(threshold);
    const zeroedUnits = Object.values(splits).flatMap((s) => s.removed);
    // A unit is gone when its masks close it or its group was zeroed.
    const maskKept = findRecurrentLayer(result.model)?.prunableUnits().units;
    const totalUnits = maskKept ? maskKept.kept.length + maskKept.removed.length : 0;
    const keptUnits = maskKept ? maskKept.kept.filter((k) => !zeroedUnits.includes(k)).length : 0;
    await result.model.save(fileSystemHandler(paths.vibModel));
    log(`group lasso zeroed ${zeroedUnits.length} unit groups; ${keptUnits} of ${totalUnits} hidden units left. VIB model saved in ${paths.vibModel}`);
    return { history: result.history, keptUnits, totalUnits, zeroedUnits };
  } finally {
    result.model.dispose();
  }
}
