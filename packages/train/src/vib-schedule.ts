import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { measureCompression, noisePositions, seekNoise, setFrozenMask, setInferenceMode, setKlFac, type FitPhase, type FitRecord } from '@tfjs-compress/vib';
import { InvalidArgumentError, assertNonNegative, assertPositiveInteger } from '@tfjs-compress/common';
import { FixedRampPolicy } from './fixed-ramp-policy.js';
import type { ControlSignal, KlPolicy, PolicyAction } from './kl-policy.js';
import { AccuracyBudgetPolicy } from './accuracy-budget-policy.js';
import { disposeSnapshot, restoreSnapshot, snapshotFromTensors, snapshotTensors, takeSnapshot, type WeightSnapshot } from './weight-snapshot.js';

/**
 * Share of the run's epochs trained with klFac = 0 first (gates frozen at
 * identity). From scratch the gates otherwise shut in the first epoch: the
 * task gradient is still weak and the KL term (about 9 per unit at init) wins.
 */
export const DEFAULT_WARMUP_FRACTION = 0.2;
/** Share of the run's epochs kept at the end for the frozen-mask fine-tune. */
export const DEFAULT_FINE_TUNE_FRACTION = 0.2;
/**
 * The fine-tune anneals the learning rate (cosine) from the optimizer's own
 * down to this share of it: the masks are final, and a settling model is
 * judged (candidate trial) and kept at its best rather than mid-oscillation.
 */
export const DEFAULT_FINE_TUNE_FINAL_LR_SCALE = 0.1;
/** Control points (klFac updates, validation checks) per epoch. */
export const DEFAULT_CONTROLS_PER_EPOCH = 4;
/** Rejected states kept for the candidate trial (see `VIBScheduleOptions.maxCandidates`). */
export const DEFAULT_MAX_CANDIDATES = 2;
/**
 * Accuracy budget: a model whose validation accuracy before training covers
 * at least this fraction of the way from chance (the majority class's share)
 * to 100% arrives trained (e.g. from `insertBottlenecks`): it skips the
 * warm-up and is held to the accuracy it arrived with.
 */
export const DEFAULT_TRAINED_FRACTION = 0.5;

export type ScheduleStage = 'warmup' | 'vib' | 'fine-tune';

export interface VIBScheduleOptions {
  policy: KlPolicy;
  /** Validation accuracy of the model now (soft gates as trained), or null without validation data. */
  measureAccuracy: () => Promise<number | null> | number | null;
  /** Chance accuracy of the validation data (the majority class's share), for the trained-arrival rule. */
  chanceAccuracy?: number;
  /** Epochs trained first with frozen identity gates and no KL. Default: 20% of the run (0 for a trained arrival under the budget). */
  warmupEpochs?: number;
  /** Epochs at the end trained with frozen hard masks. Default: 20% of the run. */
  fineTuneEpochs?: number;
  /** Default: 4. */
  controlsPerEpoch?: number;
  /** In (0, 1]: the learning rate's share at the end of each fine-tune segment (1 turns the annealing off). Default: 0.1. */
  fineTuneFinalLrScale?: number;
  /** In (0, 1]; 1 turns the trained-arrival rule off. Default: 0.5. */
  trainedFraction?: number;
  /**
   * Rejected states kept as weight copies: those nearest above the kept
   * state's compression. With a policy that `acceptsCandidate`, the nearest
   * is fine-tuned for the first half of the fine-tune and judged: a short
   * recovery can be too short for a large step. Kept if the policy accepts
   * it, else the kept state is restored for the second half. Default: 2.
   */
  maxCandidates?: number;
  onRecord?: (record: FitRecord) => void;
  /**
   * What the host (a fit loop, or a trainer whose weights live in workers)
   * must mirror: the klFac and frozen state just set on the model, weights
   * just written back, and the start of the fine-tune (fresh optimizer
   * moments). `beforeMeasure` runs before the model is measured (sync
   * weights back from workers).
   */
  hooks?: ScheduleHooks;
}

export interface ScheduleHooks {
  applied?(klFac: number, frozen: boolean): void | Promise<void>;
  restored?(): void | Promise<void>;
  fineTuneStarted?(): void | Promise<void>;
  beforeMeasure?(): void | Promise<void>;
  /** The factor on the optimizer's learning rates from the next step on (the fine-tune's annealing; 1 again at the end). */
  learningRateScale?(scale: number): void | Promise<void>;
}

/** A rejected state kept for a second judgement. */
export interface VIBCandidate {
  compression: number;
  weights: WeightSnapshot;
}

interface KeptState {
  compression: number;
  progress: number;
  klFac: number;
  accuracy: number | null;
}

/** The schedule's JSON state at an epoch end; the kept weights travel as tensors beside it. */
export interface VIBScheduleState {
  version: 1;
  epochs: number;
  warmupEpochs: number;
  fineTuneEpochs: number;
  stepsPerEpoch: number | null;
  stage: ScheduleStage;
  begun: boolean;
  klFac: number | null;
  frozen: boolean | null;
  arrival: { validationAccuracy: number; trained: boolean } | null;
  selected: VIBSchedule['selected'];
  lastSignal: ControlSignal | null;
  kept: KeptState | null;
  candidates: number[];
  trial: (KeptState & { judgeAt: number }) | null;
  /** Where the current fine-tune segment (the annealing) began, in epochs; absent before the fine-tune. */
  fineTuneFrom?: number | null;
  records: FitRecord[];
  policy: unknown;
  /** Positions of the gated layers' random streams (`noisePositions`). */
  noise: number[][];
}

/** Weights of the kept state and the candidates, by `kept/<weight>` and `candidate<i>/<weight>`. */
export interface SavedSchedule {
  state: VIBScheduleState;
  tensors: tf.NamedTensorMap;
}

/**
 * The VIB schedule, independent of who runs the steps: `model.fit`
 * (`VIBCallback`), or a trainer of our own with workers and checkpoints. The
 * run's epochs are split into a warm-up (gates frozen at identity, no KL), the
 * VIB stage (klFac from the policy, read before every batch; at
 * `controlsPerEpoch` points per epoch the policy judges the model and may keep
 * a state, roll back or end the stage) and the fine-tune (the kept state,
 * masks frozen hard, no KL). After `end` every gate is frozen and 'hard': the
 * model evaluates exactly as `compact` rebuilds it.
 *
 * The host calls `begin`, `epochBegin`, `batchBegin`, `batchEnd`, `epochEnd`
 * and `end` in that order (epochs 0-based, as tfjs counts them).
 */
export class VIBSchedule {
  readonly policy: KlPolicy;
  readonly records: FitRecord[] = [];
  /** Accuracy budget: the validation accuracy of the model as it arrived, and whether that counts as trained. */
  arrival: { validationAccuracy: number; trained: boolean } | null = null;
  /** The state chosen for the fine-tune: where it was taken, its klFac, compression and accuracy (null before the VIB stage ends). */
  selected: { progress: number; klFac: number; compression: number; validationAccuracy: number | null } | null = null;
  private model!: tfl.LayersModel;
  private readonly controls: number;
  private readonly maxCandidates: number;
  private epochs = 0;
  private warmupEpochs = 0;
  private fineTuneEpochs = 0;
  private stepsPerEpoch: number | null = null;
  private epoch = 0;
  private batchInEpoch = 0;
  private stageValue: ScheduleStage = 'warmup';
  private begun = false;
  private frozenNow: boolean | null = null;
  private klFacNow: number | null = null;
  private lossSum = 0;
  private lossCount = 0;
  private clock = 0;
  private lastSignal: ControlSignal | null = null;
  private kept: (KeptState & { weights: WeightSnapshot }) | null = null;
  private candidateList: VIBCandidate[] = [];
  /** A candidate on trial in the fine-tune: its figures, and the epoch at whose start it is judged. */
  private trial: (KeptState & { judgeAt: number }) | null = null;
  private resumed: SavedSchedule | null = null;
  private readonly finalLrScale: number;
  /** Start of the current fine-tune segment (annealed to its end), in epochs. */
  private fineTuneFrom: number | null = null;
  /** The learning-rate factor last handed to the host; NaN when the host's optimizer may not have it (hand it again). */
  private lrScaleNow = 1;

  constructor(private readonly options: VIBScheduleOptions) {
    this.policy = options.policy;
    this.controls = options.controlsPerEpoch ?? DEFAULT_CONTROLS_PER_EPOCH;
    assertPositiveInteger(this.controls, 'controlsPerEpoch');
    this.maxCandidates = options.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
    assertNonNegative(this.maxCandidates, 'maxCandidates');
    if (options.warmupEpochs != null) assertNonNegative(options.warmupEpochs, 'warmupEpochs');
    if (options.fineTuneEpochs != null) assertNonNegative(options.fineTuneEpochs, 'fineTuneEpochs');
    this.finalLrScale = options.fineTuneFinalLrScale ?? DEFAULT_FINE_TUNE_FINAL_LR_SCALE;
    if (!(this.finalLrScale > 0 && this.finalLrScale <= 1)) throw new InvalidArgumentError('fineTuneFinalLrScale', this.finalLrScale, 'a number in (0, 1]');
    const fraction = options.trainedFraction;
    if (fraction != null && !(fraction > 0 && fraction <= 1)) throw new InvalidArgumentError('trainedFraction', fraction, 'a number in (0, 1]');
  }

  get stage(): ScheduleStage {
    return this.stageValue;
  }

  /** klFac the model trains with now. */
  get klFac(): number {
    return this.klFacNow ?? 0;
  }

  /** The factor on the optimizer's learning rates now (below 1 only while the fine-tune anneals). */
  get learningRateScale(): number {
    return Number.isNaN(this.lrScaleNow) ? 1 : this.lrScaleNow;
  }

  /** Whether the gates are frozen now (warm-up, recovery, fine-tune). */
  get frozen(): boolean {
    return this.frozenNow ?? false;
  }

  /** True while the schedule keeps weight copies it may write back (a kept state, candidates). */
  get holdsWeights(): boolean {
    return this.kept != null || this.candidateList.length > 0;
  }

  /** The weight copies it may write back (the kept state, then the candidates). */
  get heldWeights(): readonly WeightSnapshot[] {
    return [...(this.kept ? [this.kept.weights] : []), ...this.candidateList.map((c) => c.weights)];
  }

  /**
   * Goes on with `model` in place of the one it had (e.g. a copy with pruned
   * inputs and units removed). `carry` maps each held copy onto the new
   * model's variables (its old values are disposed here); without it,
   * holding copies is an error: they belong to the old model's variables.
   */
  rebind(model: tfl.LayersModel, carry?: (snapshot: WeightSnapshot) => WeightSnapshot): void {
    if (this.holdsWeights && carry == null) throw new Error('VIBSchedule.rebind: the schedule holds weights of the old model (a kept state or candidates)');
    const move = (snapshot: WeightSnapshot) => {
      const moved = carry!(snapshot);
      disposeSnapshot(snapshot);
      return moved;
    };
    if (this.kept) this.kept = { ...this.kept, weights: move(this.kept.weights) };
    this.candidateList = this.candidateList.map((c) => ({ ...c, weights: move(c.weights) }));
    this.model = model;
    // The new model's gates come with their config's settings: the schedule's own state decides.
    if (this.frozenNow != null) setFrozenMask(model, this.frozenNow);
    if (this.klFacNow != null) setKlFac(model, this.klFacNow);
    if (this.stageValue === 'fine-tune') setInferenceMode(model, 'hard');
  }

  /** The rejected states kept, least compressed first. The caller disposes them (`disposeCandidates`). */
  get candidates(): readonly VIBCandidate[] {
    return this.candidateList;
  }

  disposeCandidates(): void {
    for (const candidate of this.candidateList) disposeSnapshot(candidate.weights);
    this.candidateList = [];
  }

  /**
   * Continue a run from `saved` (taken with `save` at an epoch end): call
   * before `begin`, on the model as it was then, and go on from the next epoch.
   * The tensors are copied; the caller keeps ownership of `saved`.
   */
  resume(saved: SavedSchedule): void {
    if (saved?.state?.version !== 1) throw new InvalidArgumentError('saved.state.version', saved?.state?.version, '1 (a state from VIBSchedule.save)');
    if (saved.state.policy != null && this.policy.setState == null) {
      throw new InvalidArgumentError('policy', this.policy.kind, 'a policy with getState/setState to resume a saved schedule');
    }
    this.resumed = saved;
  }

  /** `epochs` of the whole run; `stepsPerEpoch` when known (else learnt from the first epoch). */
  async begin(model: tfl.LayersModel, run: { epochs: number; stepsPerEpoch: number | null }): Promise<void> {
    this.model = model;
    this.clock = performance.now();
    if (this.resumed) return this.restoreFrom(this.resumed, run.epochs);
    this.epochs = run.epochs;
    this.stepsPerEpoch = run.stepsPerEpoch;
    if (this.policy.needsValidation) {
      const validationAccuracy = await this.measure();
      if (validationAccuracy == null) throw new InvalidArgumentError('validationData', undefined, `validation data (the ${this.policy.kind} policy measures on it)`);
      const chance = this.options.chanceAccuracy ?? 0;
      const fraction = this.options.trainedFraction ?? DEFAULT_TRAINED_FRACTION;
      this.arrival = { validationAccuracy, trained: fraction < 1 && validationAccuracy >= chance + fraction * (1 - chance) };
    }
    const trained = this.policy.kind === 'accuracy-budget' && this.arrival?.trained === true;
    this.warmupEpochs = this.options.warmupEpochs ?? (trained ? 0 : Math.round(this.epochs * DEFAULT_WARMUP_FRACTION));
    this.fineTuneEpochs = this.options.fineTuneEpochs ?? Math.round(this.epochs * DEFAULT_FINE_TUNE_FRACTION);
    if (this.warmupEpochs + this.fineTuneEpochs > this.epochs) {
      throw new InvalidArgumentError('warmupEpochs + fineTuneEpochs', this.warmupEpochs + this.fineTuneEpochs, `at most the run's epochs (${this.epochs})`);
    }
    this.placeRamp();
  }

  async epochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.batchInEpoch = 0;
    if (this.stageValue === 'fine-tune') {
      if (this.trial && epoch >= this.trial.judgeAt) await this.judgeTrial(epoch);
      return this.anneal(epoch);
    }
    if (epoch >= this.epochs - this.fineTuneEpochs) {
      await this.startFineTune();
      return this.anneal(epoch);
    }
    if (epoch < this.warmupEpochs) {
      this.stageValue = 'warmup';
      return this.apply(0, true);
    }
    this.stageValue = 'vib';
    if (this.begun) return;
    this.begun = true;
    const warmup = this.records.filter((r) => r.phase === 'warmup' && r.validationAccuracy != null).slice(-this.controls);
    const warmupAccuracies = warmup.map((r) => r.validationAccuracy!);
    const action = this.policy.begin({
      compression: measureCompression(this.model).ratio,
      warmupAccuracies,
      trainedArrival: this.arrival?.trained && this.options.warmupEpochs == null ? this.arrival.validationAccuracy : null,
      controlsPerEpoch: this.controls,
      accuracy: warmupAccuracies.length > 0 || !this.policy.needsValidation ? null : await this.measure(),
    });
    await this.act(action, null);
  }

  async batchBegin(): Promise<void> {
    const progress = this.epoch + (this.stepsPerEpoch ? this.batchInEpoch / this.stepsPerEpoch : 0);
    if (this.stageValue === 'fine-tune') return this.anneal(progress);
    if (this.stageValue !== 'vib') return;
    const recovering = this.policy.recovering;
    await this.apply(recovering ? 0 : this.policy.klFac(progress), recovering);
  }

  /** `loss`: the batch's training loss, when known. */
  async batchEnd(loss: number | null): Promise<void> {
    if (loss != null) {
      this.lossSum += loss;
      this.lossCount++;
    }
    const b = this.batchInEpoch++;
    const steps = this.stepsPerEpoch;
    if (steps == null) return;
    // Control points split the epoch evenly and the last one ends it.
    if (Math.floor(((b + 1) * this.controls) / steps) !== Math.floor((b * this.controls) / steps)) await this.controlPoint(this.epoch + (b + 1) / steps);
  }

  async epochEnd(epoch: number): Promise<void> {
    // A dataset of unknown length: its first epoch tells the steps; until then the epoch end is the only control point.
    if (this.stepsPerEpoch == null) {
      this.stepsPerEpoch = this.batchInEpoch;
      await this.controlPoint(epoch + 1);
    }
  }

  /** The run is over: the fine-tune state (frozen hard masks) whatever happened. */
  async end(): Promise<void> {
    if (this.stageValue !== 'fine-tune') await this.startFineTune(this.epochs);
    await this.setLrScale(1);
  }

  /**
   * The state at an epoch end, for a checkpoint: JSON plus copies of the kept
   * and candidate weights by their saved names (the caller disposes them).
   */
  save(): SavedSchedule {
    const tensors: tf.NamedTensorMap = {};
    if (this.kept) Object.assign(tensors, snapshotTensors(this.kept.weights, 'kept/'));
    this.candidateList.forEach((c, i) => Object.assign(tensors, snapshotTensors(c.weights, `candidate${i}/`)));
    const kept = this.kept ? { compression: this.kept.compression, progress: this.kept.progress, klFac: this.kept.klFac, accuracy: this.kept.accuracy } : null;
    const state: VIBScheduleState = {
      version: 1,
      epochs: this.epochs,
      warmupEpochs: this.warmupEpochs,
      fineTuneEpochs: this.fineTuneEpochs,
      stepsPerEpoch: this.stepsPerEpoch,
      stage: this.stageValue,
      begun: this.begun,
      klFac: this.klFacNow,
      frozen: this.frozenNow,
      arrival: this.arrival,
      selected: this.selected,
      lastSignal: this.lastSignal,
      kept,
      candidates: this.candidateList.map((c) => c.compression),
      trial: this.trial && { ...this.trial },
      fineTuneFrom: this.fineTuneFrom,
      records: this.records.map((r) => ({ ...r })),
      policy: this.policy.getState?.() ?? null,
      noise: noisePositions(this.model),
    };
    return { state, tensors };
  }

  private async restoreFrom(saved: SavedSchedule, epochs: number): Promise<void> {
    const s = saved.state;
    if (s.epochs !== epochs) throw new InvalidArgumentError('epochs', epochs, `the saved schedule's epochs (${s.epochs})`);
    this.resumed = null;
    this.epochs = s.epochs;
    this.warmupEpochs = s.warmupEpochs;
    this.fineTuneEpochs = s.fineTuneEpochs;
    this.stepsPerEpoch = s.stepsPerEpoch;
    this.stageValue = s.stage;
    this.begun = s.begun;
    this.arrival = s.arrival;
    this.selected = s.selected;
    this.lastSignal = s.lastSignal;
    // JSON has no NaN: a control point without a loss comes back as null.
    this.records.splice(0, this.records.length, ...s.records.map((r) => ({ ...r, loss: r.loss ?? NaN })));
    this.placeRamp();
    if (s.policy != null) this.policy.setState!(s.policy);
    this.kept = s.kept ? { ...s.kept, weights: snapshotFromTensors(this.model, saved.tensors, 'kept/') } : null;
    this.candidateList = s.candidates.map((compression, i) => ({ compression, weights: snapshotFromTensors(this.model, saved.tensors, `candidate${i}/`) }));
    this.trial = s.trial ?? null;
    this.fineTuneFrom = s.fineTuneFrom ?? null;
    // A loaded optimizer starts at its configured rate: the next step hands the factor again.
    this.lrScaleNow = Number.NaN;
    // A loaded model carries its gates' saved settings; the schedule's own state decides.
    this.frozenNow = null;
    this.klFacNow = null;
    await this.apply(s.klFac ?? 0, s.frozen ?? false);
    if (this.stageValue === 'fine-tune') setInferenceMode(this.model, 'hard');
    seekNoise(this.model, s.noise);
  }

  private placeRamp(): void {
    if (this.policy instanceof FixedRampPolicy) this.policy.place(this.warmupEpochs, this.epochs - this.warmupEpochs - this.fineTuneEpochs);
  }

  private async measure(): Promise<number | null> {
    await this.options.hooks?.beforeMeasure?.();
    return this.options.measureAccuracy();
  }

  /** Sets klFac and the gates' frozen state on the model (only when they change). */
  private async apply(klFac: number, frozen: boolean): Promise<void> {
    if (frozen === this.frozenNow && klFac === this.klFacNow) return;
    if (frozen !== this.frozenNow) setFrozenMask(this.model, frozen);
    if (klFac !== this.klFacNow) setKlFac(this.model, klFac);
    this.frozenNow = frozen;
    this.klFacNow = klFac;
    await this.options.hooks?.applied?.(klFac, frozen);
  }

  /** The fine-tune's factor at `progress`: cosine from 1 at the segment's start to the final scale at its end. */
  private async anneal(progress: number): Promise<void> {
    if (this.fineTuneFrom == null) return;
    const end = this.trial ? this.trial.judgeAt : this.epochs;
    const t = end > this.fineTuneFrom ? Math.min(1, Math.max(0, (progress - this.fineTuneFrom) / (end - this.fineTuneFrom))) : 1;
    await this.setLrScale(this.finalLrScale + ((1 - this.finalLrScale) * (1 + Math.cos(Math.PI * t))) / 2);
  }

  private async setLrScale(scale: number): Promise<void> {
    if (scale === this.lrScaleNow) return;
    this.lrScaleNow = scale;
    await this.options.hooks?.learningRateScale?.(scale);
  }

  private phaseNow(): FitPhase {
    if (this.stageValue === 'vib' && this.policy.recovering) return 'recover';
    return this.stageValue;
  }

  private async controlPoint(progress: number): Promise<void> {
    const validationAccuracy = await this.measure();
    const record: FitRecord = {
      phase: this.phaseNow(),
      progress,
      klFac: this.klFacNow ?? 0,
      loss: this.lossCount > 0 ? this.lossSum / this.lossCount : NaN,
      compression: measureCompression(this.model).ratio,
      validationAccuracy,
      seconds: (performance.now() - this.clock) / 1000,
    };
    this.lossSum = 0;
    this.lossCount = 0;
    this.records.push(record);
    this.options.onRecord?.(record);
    this.clock = performance.now();
    if (this.stageValue !== 'vib') return;
    const vibEnd = this.epochs - this.fineTuneEpochs;
    const signal: ControlSignal = {
      progress,
      compression: record.compression,
      accuracy: record.validationAccuracy,
      stepsLeft: Math.max(0, Math.round((vibEnd - progress) * this.controls)),
    };
    this.lastSignal = signal;
    const action = this.policy.control(signal);
    await this.act(action, record);
    if (action.done) await this.startFineTune(progress);
  }

  /** Carries out a policy's action: candidate copy first (it is the current state), then keep or restore. */
  private async act(action: PolicyAction, record: FitRecord | null): Promise<void> {
    if (action.candidate && this.maxCandidates > 0) {
      this.candidateList.push({ compression: record?.compression ?? measureCompression(this.model).ratio, weights: takeSnapshot(this.model) });
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
    if (action.restore && this.kept) {
      restoreSnapshot(this.kept.weights);
      await this.options.hooks?.restored?.();
    }
    this.pruneCandidates();
  }

  /**
   * Keeps the `maxCandidates` rejected states nearest above the kept state:
   * the least compressed rejected rung is the one a full fine-tune most often
   * brings back within the budget (a far rung was rejected by a wide margin).
   */
  private pruneCandidates(): void {
    const floor = this.kept?.compression ?? 1;
    const keep: VIBCandidate[] = [];
    for (const candidate of [...this.candidateList].sort((a, b) => a.compression - b.compression)) {
      if (candidate.compression > floor && keep.length < this.maxCandidates) keep.push(candidate);
      else disposeSnapshot(candidate.weights);
    }
    this.candidateList = keep;
  }

  /**
   * Ends the VIB stage (the policy's last word, the kept state restored),
   * starts a candidate trial when there is one, and freezes the hard masks
   * for the fine-tune. `at`: progress in epochs (the fine-tune's start).
   */
  private async startFineTune(at: number = this.epoch): Promise<void> {
    if (this.stageValue === 'fine-tune') return;
    const wasVib = this.begun;
    this.stageValue = 'fine-tune';
    if (wasVib) await this.act(this.policy.finish(this.lastSignal), null);
    const last = this.records[this.records.length - 1];
    this.selected = this.kept
      ? { progress: this.kept.progress, klFac: this.kept.klFac, compression: this.kept.compression, validationAccuracy: this.kept.accuracy }
      : last
        ? { progress: last.progress, klFac: last.klFac, compression: last.compression, validationAccuracy: last.validationAccuracy }
        : null;
    const candidate = this.candidateList.find((c) => c.compression > (this.kept?.compression ?? 1));
    const trialEpochs = Math.floor((this.epochs - Math.ceil(at)) / 2);
    if (candidate && this.kept && this.policy.acceptsCandidate && trialEpochs >= 1) {
      restoreSnapshot(candidate.weights);
      this.trial = { compression: candidate.compression, progress: at, klFac: 0, accuracy: null, judgeAt: Math.ceil(at) + trialEpochs };
      this.disposeCandidates();
      await this.options.hooks?.restored?.();
    } else {
      this.disposeCandidates();
      disposeSnapshot(this.kept?.weights ?? null);
      this.kept = null;
    }
    await this.apply(0, true);
    setInferenceMode(this.model, 'hard');
    await this.options.hooks?.fineTuneStarted?.();
    this.startSegment(at);
  }

  /** A fine-tune segment starts at `at` (epochs): its annealing starts over. */
  private startSegment(at: number): void {
    this.fineTuneFrom = at;
    this.lrScaleNow = Number.NaN;
  }

  /** The candidate's trial is over: keep it if the policy accepts it now, else fine-tune the kept state. */
  private async judgeTrial(epoch: number): Promise<void> {
    const trial = this.trial!;
    const accuracy = await this.measure();
    const accepted = accuracy != null && this.policy.acceptsCandidate!(trial.compression, accuracy);
    this.trial = null;
    if (accepted) {
      this.selected = { progress: trial.progress, klFac: trial.klFac, compression: trial.compression, validationAccuracy: accuracy };
    } else {
      restoreSnapshot(this.kept!.weights);
      await this.options.hooks?.restored?.();
      await this.options.hooks?.fineTuneStarted?.();
    }
    this.startSegment(epoch);
    const record: FitRecord = {
      phase: 'fine-tune',
      progress: epoch,
      klFac: 0,
      loss: NaN,
      compression: accepted ? trial.compression : this.kept!.compression,
      validationAccuracy: accuracy,
      seconds: 0,
    };
    this.records.push(record);
    this.options.onRecord?.(record);
    disposeSnapshot(this.kept!.weights);
    this.kept = null;
  }
}
