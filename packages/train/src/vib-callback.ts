import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { chanceAccuracy, evaluateAccuracy, gatedLayers, measureCompression, type FitRecord, type LabelledData } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { AccuracyBudgetPolicy } from './accuracy-budget-policy.js';
import { FixedRampPolicy } from './fixed-ramp-policy.js';
import type { KlPolicy } from './kl-policy.js';
import { TargetCompressionPolicy } from './target-compression-policy.js';
import type { TargetControllerArgs } from './target-compression-controller.js';
import type { AccuracyBudgetLadderArgs } from './accuracy-budget-ladder.js';
import { InPlaceShrinker, sliceSnapshot, type InPlaceShrinkSettings } from './in-place-shrinker.js';
import { LearningRateScaler } from './learning-rate-scale.js';
import { assertFiniteLoss, assertFiniteWeights } from './training-diverged.js';
import type { ShrinkStreaks } from './removal-plans.js';
import { VIBOptimizer } from './vib-optimizer.js';
import { VIBSchedule } from './vib-schedule.js';
import { DEFAULT_MAX_CANDIDATES, type SavedSchedule } from './schedule-options.js';
import type { VIBCandidate } from './held-states.js';

export interface VIBCallbackOptions {
  /**
   * The KL policy. Default: an accuracy budget when `validationData` is given
   * (or `maxAccuracyDrop`), a target when `targetCompression` is, else a fixed
   * ramp to `klFac`.
   */
  policy?: KlPolicy;
  /** Aim for this compression of the gated recurrent layers (e.g. 20 for 20x). */
  targetCompression?: number;
  /** Accuracy budget: the largest validation accuracy drop, as a fraction. Default: 0.01 with `validationData`. */
  maxAccuracyDrop?: number;
  /** Fixed ramp: klFac after the ramp. Default: 1e-2. */
  klFac?: number;
  /** Fixed ramp: epochs of the ramp. Default: a third of the VIB stage. */
  rampEpochs?: number;
  /** Held-out data, evaluated at every control point (`{x, y}` or `[x, y]`; labels integer or one-hot). */
  validationData?: LabelledData | [tf.Tensor, tf.Tensor];
  /** Epochs trained first with frozen identity gates and no KL, >= 0. Default: 20% of the fit's epochs (0 for a trained arrival under the budget). */
  warmupEpochs?: number;
  /** Epochs at the end trained with frozen hard masks, >= 0. Default: 20% of the fit's epochs. */
  fineTuneEpochs?: number;
  /** Control points per epoch, a positive integer. Default: 4. */
  controlsPerEpoch?: number;
  /**
   * The fine-tune anneals the optimizer's learning rate (cosine) down to this
   * share of it, in (0, 1]; 1 leaves it alone. The rate is back to the
   * compiled one when the fit ends. Default: 0.1.
   */
  fineTuneFinalLrScale?: number;
  /**
   * Accuracy budget: each recovery window anneals the learning rate the same
   * way (cosine to this share, back to the full rate when compression
   * resumes), so its judgement measures a settled model; 1 turns it off. Default: 0.1.
   */
  recoveryFinalLrScale?: number;
  /** Accuracy budget: the share of the way from chance to 100% at which a model counts as trained, in (0, 1]; 1 turns it off. Default: 0.5. */
  trainedFraction?: number;
  /**
   * Accuracy budget: rejected rungs kept as weight copies, those nearest above
   * the accepted compression; the nearest is tried in the first half of the
   * fine-tune and kept if it then meets the budget (else the accepted state
   * gets the second half). 0 turns it off. Default: 2.
   */
  maxCandidates?: number;
  /** Tuning of the klFac controller: the target policy's `TargetCompressionController`, the budget's `AccuracyBudgetLadder`. */
  controller?: TargetControllerArgs & AccuracyBudgetLadderArgs;
  /** Called with every record as it is made. */
  onRecord?: (record: FitRecord) => void;
  /** A state from `getState()` of an interrupted fit: go on from there (fit with `initialEpoch`). */
  resumeFrom?: VIBCallbackState;
  /**
   * Shrink-as-you-train: from the VIB stage on, at every epoch end, the
   * recurrent layers remove from their own weights the inputs and units their
   * masks have pruned for `patience` epoch ends in a row (one in the
   * fine-tune), in place (`shrinkInPlace`): later steps cost less, the model
   * computes what it computed with them silenced, and the optimizer's moments
   * shrink with the weights. `true` for the defaults. Default: false.
   */
  shrink?: boolean | InPlaceShrinkSettings;
}

/** The policy the options ask for (see `VIBCallbackOptions.policy`); hosts other than the callback use it too. */
export function klPolicyFrom(options: Pick<VIBCallbackOptions, 'policy' | 'targetCompression' | 'maxAccuracyDrop' | 'validationData' | 'klFac' | 'rampEpochs' | 'maxCandidates' | 'controller'>): KlPolicy {
  if (options.policy) return options.policy;
  if (options.targetCompression != null && options.maxAccuracyDrop != null) {
    throw new InvalidArgumentError('targetCompression', options.targetCompression, 'not both targetCompression and maxAccuracyDrop');
  }
  if (options.targetCompression != null) {
    return new TargetCompressionPolicy({ targetCompression: options.targetCompression, controller: options.controller });
  }
  if (options.maxAccuracyDrop != null || options.validationData != null) {
    return new AccuracyBudgetPolicy({
      maxAccuracyDrop: options.maxAccuracyDrop,
      keepCandidates: (options.maxCandidates ?? DEFAULT_MAX_CANDIDATES) > 0,
      controller: options.controller,
    });
  }
  return new FixedRampPolicy({ klFac: options.klFac, rampEpochs: options.rampEpochs });
}

function validationOf(data: VIBCallbackOptions['validationData']): LabelledData | null {
  if (data == null) return null;
  const [x, y] = Array.isArray(data) ? data : [data.x, data.y];
  if (!(x instanceof tf.Tensor) || !(y instanceof tf.Tensor) || x.shape[0] !== y.shape[0]) {
    throw new InvalidArgumentError('validationData', data, '{x, y} or [x, y]: two tensors with the same number of samples');
  }
  return { x, y };
}

async function numberOf(value: unknown): Promise<number | null> {
  if (typeof value === 'number') return value;
  if (value instanceof tf.Tensor) return (await value.data())[0];
  return null;
}

/** `getState()`: the schedule's state plus the shrink streaks (with `shrink`). */
export interface VIBCallbackState extends SavedSchedule {
  shrinkStreaks?: ShrinkStreaks;
}

/**
 * The VIB schedule (`VIBSchedule`) as a `model.fit` / `model.fitDataset`
 * callback, the way tfmot's `UpdatePruningStep` drives pruning in Keras: a
 * warm-up, the VIB stage under the policy, and the frozen-mask fine-tune.
 * When the fit ends, every gate is frozen and in 'hard' mode: the model
 * evaluates exactly as `compact` (packages/prune) rebuilds it.
 *
 * Each epoch's logs gain `klFac`, `compression`, `keptInputs`, `keptUnits`
 * (and `hardValAccuracy` with validation data), so `History`, tfjs-vis and
 * later callbacks see them; `records` holds every control point.
 *
 * Put it first in `callbacks` so the callbacks after it see its logs. To go
 * on after an interruption, save `getState()` with the model at an epoch end,
 * and fit the reloaded model with a new callback given `resumeFrom` and
 * `initialEpoch` set to the epochs done.
 */
export class VIBCallback extends tfl.Callback {
  readonly schedule: VIBSchedule;
  /** With `shrink`: the in-place shrinking. */
  readonly shrinker: InPlaceShrinker | null;
  private readonly validation: LabelledData | null;
  private readonly lrScaler = new LearningRateScaler();
  /** 0-based epoch of the fit in progress. */
  private epoch = 0;

  constructor(options: VIBCallbackOptions = {}) {
    super();
    this.validation = validationOf(options.validationData);
    const policy = klPolicyFrom(options);
    if (policy.needsValidation && this.validation == null) {
      throw new InvalidArgumentError('validationData', undefined, `validation data (the ${policy.kind} policy measures on it)`);
    }
    this.schedule = new VIBSchedule({
      policy,
      measureAccuracy: () => (this.validation ? evaluateAccuracy(this.model, this.validation) : null),
      chanceAccuracy: this.validation ? chanceAccuracy(this.validation.y) : undefined,
      warmupEpochs: options.warmupEpochs,
      fineTuneEpochs: options.fineTuneEpochs,
      controlsPerEpoch: options.controlsPerEpoch,
      fineTuneFinalLrScale: options.fineTuneFinalLrScale,
      recoveryFinalLrScale: options.recoveryFinalLrScale,
      trainedFraction: options.trainedFraction,
      maxCandidates: options.maxCandidates,
      onRecord: options.onRecord,
      hooks: {
        // A fresh Adam for the fine-tune: the moments belong to a state that may just have been rolled back.
        fineTuneStarted: () => {
          if (this.model.optimizer instanceof VIBOptimizer) this.model.optimizer.reset();
        },
        learningRateScale: (scale) => void this.lrScaler.apply(this.model.optimizer, scale),
      },
    });
    if (options.resumeFrom) this.schedule.resume(options.resumeFrom);
    this.shrinker = options.shrink == null || options.shrink === false ? null : new InPlaceShrinker(options.shrink === true ? {} : options.shrink);
    if (this.shrinker && options.resumeFrom?.shrinkStreaks) this.shrinker.streaks = options.resumeFrom.shrinkStreaks;
  }

  get policy(): KlPolicy {
    return this.schedule.policy;
  }

  get records(): FitRecord[] {
    return this.schedule.records;
  }

  get arrival(): VIBSchedule['arrival'] {
    return this.schedule.arrival;
  }

  get selected(): VIBSchedule['selected'] {
    return this.schedule.selected;
  }

  /** Accuracy budget with `maxCandidates`: the rejected states kept, least compressed first. The caller disposes them (`disposeCandidates`). */
  get candidates(): readonly VIBCandidate[] {
    return this.schedule.candidates;
  }

  disposeCandidates(): void {
    this.schedule.disposeCandidates();
  }

  /** The schedule's state at the last epoch end (JSON plus weight copies the caller disposes), for `resumeFrom`. */
  getState(): VIBCallbackState {
    return { ...this.schedule.save(), ...(this.shrinker ? { shrinkStreaks: this.shrinker.streaks } : {}) };
  }

  override async onTrainBegin(): Promise<void> {
    const params = this.params as { epochs?: number; samples?: number | null; steps?: number | null; batchSize?: number };
    const stepsPerEpoch = params.steps ?? (params.samples != null && params.batchSize ? Math.ceil(params.samples / params.batchSize) : null);
    includeGateWeights(this.model);
    await this.schedule.begin(this.model, { epochs: params.epochs ?? 1, stepsPerEpoch });
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    await this.schedule.epochBegin(epoch);
  }

  override async onBatchBegin(): Promise<void> {
    await this.schedule.batchBegin();
  }

  override async onBatchEnd(batch: number, logs?: tfl.Logs): Promise<void> {
    const loss = await numberOf(logs?.loss);
    // A NaN loss would otherwise flow into the schedule's measurements, its kept states and the user's saves.
    if (loss != null) assertFiniteLoss({ epoch: this.epoch + 1, batch, loss }, DIVERGED_ADVICE);
    await this.schedule.batchEnd(loss);
  }

  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    // Before the schedule measures or keeps this state: NaN weights must not become its kept state.
    assertFiniteWeights(this.model.weights, epoch + 1, DIVERGED_ADVICE);
    await this.schedule.epochEnd(epoch);
    if (this.shrinker && this.schedule.stage !== 'warmup') await this.shrinkCheck();
    if (logs == null) return;
    if (this.shrinker) Object.assign(logs, removedInPlace(this.model));
    const measure = measureCompression(this.model);
    logs.klFac = this.schedule.klFac;
    logs.learningRateScale = this.schedule.learningRateScale;
    logs.compression = measure.ratio;
    logs.keptInputs = measure.layers.reduce((n, l) => n + l.keptInputs, 0);
    logs.keptUnits = measure.layers.reduce((n, l) => n + l.keptUnits, 0);
    if (this.validation) logs.hardValAccuracy = evaluateAccuracy(this.model, this.validation, 'hard');
  }

  private async shrinkCheck(): Promise<void> {
    const schedule = this.schedule;
    const outcome = await this.shrinker!.check(this.model, {
      optimizer: this.model.optimizer,
      held: schedule.heldWeights,
      frozen: schedule.stage === 'fine-tune',
    });
    if (outcome.slices.length > 0 && schedule.holdsWeights) schedule.rebind(this.model, sliceSnapshot(outcome.slices));
  }

  override async onTrainEnd(): Promise<void> {
    await this.schedule.end();
  }
}

const DIVERGED_ADVICE =
  'The fit stops here: load the last model you saved (or start again) with a lower lr / ibLr, and check the inputs for NaN or Inf.';

/** Inputs and units the layers have removed from their weights so far (read off the layers: right after a resume too). */
function removedInPlace(model: tfl.LayersModel): { removedInputs: number; removedUnits: number } {
  let removedInputs = 0;
  let removedUnits = 0;
  for (const layer of gatedLayers(model)) {
    const cell = (layer as { cell?: { inputDim?: number; units?: number; liveInputs?: number; liveUnits?: number } }).cell;
    if (cell?.liveInputs == null || cell.liveUnits == null) continue;
    removedInputs += (cell.inputDim ?? 0) - cell.liveInputs;
    removedUnits += (cell.units ?? 0) - cell.liveUnits;
  }
  return { removedInputs, removedUnits };
}

/**
 * `model.fit` trains the variables it collected at `compile`: a model
 * compiled while its gates were frozen would never train them. Adds every
 * gate's mu and logD to that list (frozen ones get no gradient and are skipped).
 */
function includeGateWeights(model: tfl.LayersModel): void {
  type Compiled = { collectedTrainableWeights?: tfl.LayerVariable[]; model?: Compiled };
  // A Sequential model compiles (and fits) the functional model it wraps.
  const outer = model as unknown as Compiled;
  const m = outer.collectedTrainableWeights == null && outer.model != null ? outer.model : outer;
  if (m.collectedTrainableWeights == null) return;
  const listed = new Set(m.collectedTrainableWeights);
  for (const layer of gatedLayers(model)) {
    for (const gate of layer.vibGates) {
      for (const weight of [gate.mu, gate.logD]) if (!listed.has(weight)) m.collectedTrainableWeights.push(weight);
    }
  }
}

/** Factory: `model.fit(x, y, {epochs, callbacks: [vibCallback({validationData: [xv, yv]})]})`. */
export function vibCallback(options?: VIBCallbackOptions): VIBCallback {
  return new VIBCallback(options);
}
