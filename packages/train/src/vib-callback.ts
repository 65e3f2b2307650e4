import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  InvalidArgumentError,
  assertNonNegative,
  assertPositiveInteger,
  gatedLayers,
  measureCompression,
  setFrozenMask,
  chanceAccuracy,
  evaluateAccuracy,
  setInferenceMode,
  setKlFac,
  type CompressionControllerArgs,
  type FitPhase,
  type FitRecord,
  type LabelledData,
} from '@tfjs-compress/vib';
import { AccuracyBudgetPolicy } from './accuracy-budget-policy.js';
import { FixedRampPolicy } from './fixed-ramp-policy.js';
import type { ControlSignal, KlPolicy, PolicyAction } from './kl-policy.js';
import { TargetCompressionPolicy } from './target-compression-policy.js';
import { VIBOptimizer } from './vib-optimizer.js';
import { disposeSnapshot, restoreSnapshot, takeSnapshot, type WeightSnapshot } from './weight-snapshot.js';

/** Share of the fit's epochs trained with klFac = 0 first (gates frozen at identity). */
export const DEFAULT_WARMUP_FRACTION = 0.2;
/** Share of the fit's epochs kept at the end for the frozen-mask fine-tune. */
export const DEFAULT_FINE_TUNE_FRACTION = 0.2;
/** Control points (klFac updates, validation checks) per epoch. */
export const DEFAULT_CONTROLS_PER_EPOCH = 4;
/**
 * Accuracy budget: a model whose validation accuracy before training covers
 * at least this fraction of the way from chance (the majority class's share)
 * to 100% arrives trained (e.g. from `insertBottlenecks`): it skips the
 * warm-up and is held to the accuracy it arrived with.
 */
export const DEFAULT_TRAINED_FRACTION = 0.5;
/** Rejected rungs kept (as weight copies) for a second judgement, most compressed first. */
export const DEFAULT_MAX_CANDIDATES = 3;

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
  /** Accuracy budget: the share of the way from chance to 100% at which a model counts as trained, in (0, 1]; 1 turns it off. Default: 0.5. */
  trainedFraction?: number;
  /** Accuracy budget: keep up to this many rejected rungs for `fitVIB`'s second judgement; 0 keeps none. Default: 0. */
  maxCandidates?: number;
  /** Tuning of the klFac controller (target and budget policies). */
  controller?: CompressionControllerArgs;
  /** Called with every record as it is made. */
  onRecord?: (record: FitRecord) => void;
}

/** A rejected state kept for a second judgement. */
export interface VIBCandidate {
  compression: number;
  weights: WeightSnapshot;
}

function policyFrom(options: VIBCallbackOptions): KlPolicy {
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
      keepCandidates: (options.maxCandidates ?? 0) > 0,
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

/**
 * The VIB schedule as a `model.fit` / `model.fitDataset` callback, the way
 * tfmot's `UpdatePruningStep` drives pruning in Keras. The fit's epochs are
 * split into a warm-up (gates frozen at identity, no KL: the network learns
 * the task first), the VIB stage (klFac from the policy, read before every
 * batch; the policy judges the model at `controlsPerEpoch` points per epoch and
 * may keep, roll back or end early), and the fine-tune (the kept state, masks
 * frozen hard, no KL). When the fit ends, every gate is frozen and in 'hard'
 * mode: the model evaluates exactly as `compact` (packages/prune) rebuilds it.
 *
 * Each epoch's logs gain `klFac`, `compression`, `keptInputs`, `keptUnits`
 * (and `hardValAccuracy` with validation data), so `History`, tfjs-vis and
 * later callbacks see them; `records` holds every control point.
 *
 * Put it first in `callbacks` so the callbacks after it see its logs.
 */
export class VIBCallback extends tfl.Callback {
  readonly policy: KlPolicy;
  readonly records: FitRecord[] = [];
  /** Accuracy budget: the validation accuracy of the model as it arrived, and whether that counts as trained. */
  arrival: { validationAccuracy: number; trained: boolean } | null = null;
  private readonly validation: LabelledData | null;
  private readonly controls: number;
  private readonly maxCandidates: number;
  private epochs = 0;
  private warmupEpochs = 0;
  private fineTuneEpochs = 0;
  private stepsPerEpoch: number | null = null;
  private epoch = 0;
  private batchInEpoch = 0;
  private stage: 'warmup' | 'vib' | 'fine-tune' = 'warmup';
  private begun = false;
  private frozen: boolean | null = null;
  private klFacNow: number | null = null;
  private lossSum = 0;
  private lossCount = 0;
  private clock = 0;
  private lastSignal: ControlSignal | null = null;
  private kept: { weights: WeightSnapshot; compression: number; progress: number; klFac: number; accuracy: number | null } | null = null;
  private candidateList: VIBCandidate[] = [];

  constructor(private readonly options: VIBCallbackOptions = {}) {
    super();
    this.policy = policyFrom(options);
    this.validation = validationOf(options.validationData);
    this.controls = options.controlsPerEpoch ?? DEFAULT_CONTROLS_PER_EPOCH;
    assertPositiveInteger(this.controls, 'controlsPerEpoch');
    this.maxCandidates = options.maxCandidates ?? 0;
    assertNonNegative(this.maxCandidates, 'maxCandidates');
    if (options.warmupEpochs != null) assertNonNegative(options.warmupEpochs, 'warmupEpochs');
    if (options.fineTuneEpochs != null) assertNonNegative(options.fineTuneEpochs, 'fineTuneEpochs');
    const fraction = options.trainedFraction;
    if (fraction != null && !(fraction > 0 && fraction <= 1)) throw new InvalidArgumentError('trainedFraction', fraction, 'a number in (0, 1]');
    if (this.policy.needsValidation && this.validation == null) {
      throw new InvalidArgumentError('validationData', undefined, `validation data (the ${this.policy.kind} policy measures on it)`);
    }
  }

  /** The state chosen for the fine-tune: where it was taken, its klFac, compression and accuracy (null before the VIB stage ends). */
  selected: { progress: number; klFac: number; compression: number; validationAccuracy: number | null } | null = null;

  /** Accuracy budget with `maxCandidates`: the rejected states kept, most compressed first. The caller disposes them (`disposeCandidates`). */
  get candidates(): readonly VIBCandidate[] {
    return this.candidateList;
  }

  disposeCandidates(): void {
    for (const candidate of this.candidateList) disposeSnapshot(candidate.weights);
    this.candidateList = [];
  }

  override async onTrainBegin(): Promise<void> {
    const params = this.params as { epochs?: number; samples?: number | null; steps?: number | null; batchSize?: number };
    this.epochs = params.epochs ?? 1;
    this.stepsPerEpoch = params.steps ?? (params.samples != null && params.batchSize ? Math.ceil(params.samples / params.batchSize) : null);
    includeGateWeights(this.model);
    if (this.policy.kind === 'accuracy-budget') {
      const validationAccuracy = evaluateAccuracy(this.model, this.validation!);
      const chance = chanceAccuracy(this.validation!.y);
      const fraction = this.options.trainedFraction ?? DEFAULT_TRAINED_FRACTION;
      this.arrival = { validationAccuracy, trained: fraction < 1 && validationAccuracy >= chance + fraction * (1 - chance) };
    }
    const trained = this.arrival?.trained === true;
    this.warmupEpochs = this.options.warmupEpochs ?? (trained ? 0 : Math.round(this.epochs * DEFAULT_WARMUP_FRACTION));
    this.fineTuneEpochs = this.options.fineTuneEpochs ?? Math.round(this.epochs * DEFAULT_FINE_TUNE_FRACTION);
    if (this.warmupEpochs + this.fineTuneEpochs > this.epochs) {
      throw new InvalidArgumentError(
        'warmupEpochs + fineTuneEpochs',
        this.warmupEpochs + this.fineTuneEpochs,
        `at most the fit's epochs (${this.epochs})`,
      );
    }
    if (this.policy instanceof FixedRampPolicy) this.policy.place(this.warmupEpochs, this.epochs - this.warmupEpochs - this.fineTuneEpochs);
    this.clock = performance.now();
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.batchInEpoch = 0;
    if (this.stage === 'fine-tune') return;
    if (epoch >= this.epochs - this.fineTuneEpochs) return this.startFineTune();
    if (epoch < this.warmupEpochs) {
      this.stage = 'warmup';
      this.apply(0, true);
      return;
    }
    this.stage = 'vib';
    if (!this.begun) {
      this.begun = true;
      const warmup = this.records.filter((r) => r.phase === 'warmup' && r.validationAccuracy != null).slice(-this.controls);
      this.act(
        this.policy.begin({
          compression: measureCompression(this.model).ratio,
          warmupAccuracies: warmup.map((r) => r.validationAccuracy!),
          trainedArrival: this.arrival?.trained && this.options.warmupEpochs == null ? this.arrival.validationAccuracy : null,
          controlsPerEpoch: this.controls,
          evaluate: () => (this.validation ? evaluateAccuracy(this.model, this.validation) : null),
        }),
        null,
      );
    }
  }

  override async onBatchBegin(): Promise<void> {
    if (this.stage !== 'vib') return;
    const progress = this.epoch + (this.stepsPerEpoch ? this.batchInEpoch / this.stepsPerEpoch : 0);
    const recovering = this.policy.recovering;
    this.apply(recovering ? 0 : this.policy.klFac(progress), recovering);
  }

  override async onBatchEnd(_batch: number, logs?: tfl.Logs): Promise<void> {
    const loss = await numberOf(logs?.loss);
    if (loss != null) {
      this.lossSum += loss;
      this.lossCount++;
    }
    const b = this.batchInEpoch++;
    const steps = this.stepsPerEpoch;
    if (steps == null) return;
    // Control points split the epoch evenly and the last one ends it.
    if (Math.floor(((b + 1) * this.controls) / steps) !== Math.floor((b * this.controls) / steps)) this.controlPoint(this.epoch + (b + 1) / steps);
  }

  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    // A dataset of unknown length: its first epoch tells the steps; until then the epoch end is the only control point.
    if (this.stepsPerEpoch == null) {
      this.stepsPerEpoch = this.batchInEpoch;
      this.controlPoint(epoch + 1);
    }
    if (logs == null) return;
    const last = this.records[this.records.length - 1];
    const measure = measureCompression(this.model);
    logs.klFac = this.klFacNow ?? 0;
    logs.compression = measure.ratio;
    logs.keptInputs = measure.layers.reduce((n, l) => n + l.keptInputs, 0);
    logs.keptUnits = measure.layers.reduce((n, l) => n + l.keptUnits, 0);
    if (last?.validationAccuracy != null) logs.hardValAccuracy = evaluateAccuracy(this.model, this.validation!, 'hard');
  }

  override async onTrainEnd(): Promise<void> {
    if (this.stage !== 'fine-tune') this.startFineTune();
  }

  /** Sets klFac and the gates' frozen state on the model (only when they change). */
  private apply(klFac: number, frozen: boolean): void {
    if (frozen !== this.frozen) {
      setFrozenMask(this.model, frozen);
      this.frozen = frozen;
    }
    if (klFac !== this.klFacNow) setKlFac(this.model, klFac);
    this.klFacNow = klFac;
  }

  private phaseNow(): FitPhase {
    if (this.stage === 'vib' && this.policy.recovering) return 'recover';
    return this.stage;
  }

  private controlPoint(progress: number): void {
    const record: FitRecord = {
      phase: this.phaseNow(),
      progress,
      klFac: this.klFacNow ?? 0,
      loss: this.lossCount > 0 ? this.lossSum / this.lossCount : NaN,
      compression: measureCompression(this.model).ratio,
      validationAccuracy: this.validation ? evaluateAccuracy(this.model, this.validation) : null,
      seconds: (performance.now() - this.clock) / 1000,
    };
    this.lossSum = 0;
    this.lossCount = 0;
    this.records.push(record);
    this.options.onRecord?.(record);
    this.clock = performance.now();
    if (this.stage !== 'vib') return;
    const vibEnd = this.epochs - this.fineTuneEpochs;
    const signal: ControlSignal = {
      progress,
      compression: record.compression,
      accuracy: record.validationAccuracy,
      stepsLeft: Math.max(0, Math.round((vibEnd - progress) * this.controls)),
    };
    this.lastSignal = signal;
    const action = this.policy.control(signal);
    this.act(action, record);
    if (action.done) this.startFineTune();
  }

  /** Carries out a policy's action: candidate copy first (it is the current state), then keep or restore. */
  private act(action: PolicyAction, record: FitRecord | null): void {
    if (action.candidate && this.maxCandidates > 0) {
      this.candidateList.push({ compression: record?.compression ?? measureCompression(this.model).ratio, weights: takeSnapshot(this.model) });
      // Only the most compressed few are ever tried: keep no more copies than that.
      this.candidateList.sort((a, b) => b.compression - a.compression);
      for (const dropped of this.candidateList.splice(this.maxCandidates)) disposeSnapshot(dropped.weights);
    }
    if (action.keep) {
      disposeSnapshot(this.kept?.weights ?? null);
      const ladder = this.policy instanceof AccuracyBudgetPolicy ? this.policy.ladder : null;
      this.kept = {
        weights: takeSnapshot(this.model),
        compression: record?.compression ?? measureCompression(this.model).ratio,
        progress: record?.progress ?? this.epoch,
        klFac: record?.klFac ?? 0,
        // The budget keeps the accuracy it judged the state on (the reference for the unpruned start).
        accuracy: ladder ? (record == null ? ladder.referenceAccuracy : ladder.judgedAccuracy) : (record?.validationAccuracy ?? null),
      };
    }
    if (action.restore && this.kept) restoreSnapshot(this.kept.weights);
  }

  /** Ends the VIB stage (the policy's last word, the kept state restored) and freezes the hard masks for the fine-tune. */
  private startFineTune(): void {
    if (this.stage === 'fine-tune') return;
    const wasVib = this.begun;
    this.stage = 'fine-tune';
    if (wasVib) this.act(this.policy.finish(this.lastSignal), null);
    const last = this.records[this.records.length - 1];
    this.selected = this.kept
      ? { progress: this.kept.progress, klFac: this.kept.klFac, compression: this.kept.compression, validationAccuracy: this.kept.accuracy }
      : last
        ? { progress: last.progress, klFac: last.klFac, compression: last.compression, validationAccuracy: last.validationAccuracy }
        : null;
    disposeSnapshot(this.kept?.weights ?? null);
    this.kept = null;
    this.apply(0, true);
    setInferenceMode(this.model, 'hard');
    // A fresh Adam for the fine-tune: the moments belong to a state that may just have been rolled back.
    if (this.model.optimizer instanceof VIBOptimizer) this.model.optimizer.reset();
  }
}

/**
 * `model.fit` trains the variables it collected at `compile`: a model
 * compiled while its gates were frozen would never train them. Adds every
 * gate's mu and logD to that list (frozen ones get no gradient and are skipped).
 */
function includeGateWeights(model: tfl.LayersModel): void {
  const m = model as unknown as { collectedTrainableWeights?: tfl.LayerVariable[] };
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
