import type * as tfl from '@tensorflow/tfjs-layers';
import { measureCompression, setFrozenMask, setInferenceMode, setKlFac, type FitPhase, type FitRecord } from '@tfjs-compress/vib';
import { noisePositions, seekNoise } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError, assertNonNegative, assertPositiveInteger } from '@tfjs-compress/common';
import { FixedRampPolicy } from './fixed-ramp-policy.js';
import type { ControlSignal, KlPolicy, PolicyAction } from './kl-policy.js';
import { AccuracyBudgetPolicy } from './accuracy-budget-policy.js';
import { restoreSnapshot, type WeightSnapshot } from './weight-snapshot.js';
import { HeldStates, type KeptState, type VIBCandidate } from './held-states.js';
import {
  DEFAULT_CONTROLS_PER_EPOCH,
  DEFAULT_FINE_TUNE_FINAL_LR_SCALE,
  DEFAULT_FINE_TUNE_FRACTION,
  DEFAULT_MAX_CANDIDATES,
  DEFAULT_RECOVERY_FINAL_LR_SCALE,
  DEFAULT_TRAINED_FRACTION,
  DEFAULT_WARMUP_FRACTION,
  type SavedSchedule,
  type ScheduleStage,
  type SelectedState,
  type VIBScheduleOptions,
  type VIBScheduleState,
} from './schedule-options.js';

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
  selected: SelectedState | null = null;
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
  private readonly held: HeldStates;
  /** A candidate on trial in the fine-tune: its figures, and the epoch at whose start it is judged. */
  private trial: (KeptState & { judgeAt: number }) | null = null;
  private resumed: SavedSchedule | null = null;
  private readonly finalLrScale: number;
  private readonly recoveryFinalLrScale: number;
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
    this.held = new HeldStates(this.maxCandidates);
    if (options.warmupEpochs != null) assertNonNegative(options.warmupEpochs, 'warmupEpochs');
    if (options.fineTuneEpochs != null) assertNonNegative(options.fineTuneEpochs, 'fineTuneEpochs');
    this.finalLrScale = options.fineTuneFinalLrScale ?? DEFAULT_FINE_TUNE_FINAL_LR_SCALE;
    if (!(this.finalLrScale > 0 && this.finalLrScale <= 1)) throw new InvalidArgumentError('fineTuneFinalLrScale', this.finalLrScale, 'a number in (0, 1]');
    this.recoveryFinalLrScale = options.recoveryFinalLrScale ?? DEFAULT_RECOVERY_FINAL_LR_SCALE;
    if (!(this.recoveryFinalLrScale > 0 && this.recoveryFinalLrScale <= 1)) {
      throw new InvalidArgumentError('recoveryFinalLrScale', this.recoveryFinalLrScale, 'a number in (0, 1]');
    }
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

  /** The factor on the optimizer's learning rates now (below 1 only while a recovery window or the fine-tune anneals). */
  get learningRateScale(): number {
    return Number.isNaN(this.lrScaleNow) ? 1 : this.lrScaleNow;
  }

  /** Whether the gates are frozen now (warm-up, recovery, fine-tune). */
  get frozen(): boolean {
    return this.frozenNow ?? false;
  }

  /** True while the schedule keeps weight copies it may write back (a kept state, candidates). */
  get holdsWeights(): boolean {
    return this.held.weights.length > 0;
  }

  /** The weight copies it may write back (the kept state, then the candidates). */
  get heldWeights(): readonly WeightSnapshot[] {
    return this.held.weights;
  }

  /**
   * Goes on with `model` in place of the one it had (e.g. a copy with pruned
   * inputs and units removed). `carry` maps each held copy onto the new
   * model's variables (its old values are disposed here); without it,
   * holding copies is an error: they belong to the old model's variables.
   */
  rebind(model: tfl.LayersModel, carry?: (snapshot: WeightSnapshot) => WeightSnapshot): void {
    if (this.holdsWeights && carry == null) throw new Error('VIBSchedule.rebind: the schedule holds weights of the old model (a kept state or candidates)');
    if (carry) this.held.rebind(carry);
    this.model = model;
    // The new model's gates come with their config's settings: the schedule's own state decides.
    if (this.frozenNow != null) setFrozenMask(model, this.frozenNow);
    if (this.klFacNow != null) setKlFac(model, this.klFacNow);
    if (this.stageValue === 'fine-tune') setInferenceMode(model, 'hard');
  }

  /** The rejected states kept, least compressed first. The caller disposes them (`disposeCandidates`). */
  get candidates(): readonly VIBCandidate[] {
    return this.held.candidates;
  }

  disposeCandidates(): void {
    this.held.disposeCandidates();
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
    await this.setLrScale(recovering ? this.recoveryLrScale(progress) : 1);
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
    const held = this.held.save();
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
      kept: held.state.kept,
      candidates: held.state.candidates,
      trial: this.trial && { ...this.trial },
      fineTuneFrom: this.fineTuneFrom,
      records: this.records.map((r) => ({ ...r })),
      policy: this.policy.getState?.() ?? null,
      noise: noisePositions(this.model),
    };
    return { state, tensors: held.tensors };
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
    this.held.load(this.model, { kept: s.kept, candidates: s.candidates }, saved.tensors);
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
    await this.setLrScale(cosineScale(t, this.finalLrScale));
  }

  /** The recovery window's factor at `progress`: cosine over its control steps (1 without a window). */
  private recoveryLrScale(progress: number): number {
    const window = this.policy.recoveryWindow;
    if (window == null) return 1;
    // The window's steps end at control points; the last one tells how far into the current step this batch is.
    const intoStep = this.lastSignal ? Math.min(1, Math.max(0, (progress - this.lastSignal.progress) * this.controls)) : 0;
    return cosineScale(Math.min(1, (window.done + intoStep) / window.steps), this.recoveryFinalLrScale);
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
    if (action.candidate) this.held.addCandidate(this.model, record?.compression ?? measureCompression(this.model).ratio);
    if (action.keep) {
      const ladder = this.policy instanceof AccuracyBudgetPolicy ? this.policy.ladder : null;
      this.held.keep(this.model, {
        compression: record?.compression ?? measureCompression(this.model).ratio,
        progress: record?.progress ?? this.epoch,
        klFac: record?.klFac ?? 0,
        // The budget keeps the accuracy it judged the state on (the reference for the unpruned start).
        accuracy: ladder ? (record == null ? ladder.referenceAccuracy : ladder.judgedAccuracy) : (record?.validationAccuracy ?? null),
      });
    }
    if (action.restore && this.held.restoreKept()) await this.options.hooks?.restored?.();
    this.held.prune();
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
    const kept = this.held.kept;
    this.selected = kept
      ? { progress: kept.progress, klFac: kept.klFac, compression: kept.compression, validationAccuracy: kept.accuracy }
      : last
        ? { progress: last.progress, klFac: last.klFac, compression: last.compression, validationAccuracy: last.validationAccuracy }
        : null;
    const candidate = this.held.nearestCandidate();
    const trialEpochs = Math.floor((this.epochs - Math.ceil(at)) / 2);
    if (candidate && kept && this.policy.acceptsCandidate && trialEpochs >= 1) {
      restoreSnapshot(candidate.weights);
      this.trial = { compression: candidate.compression, progress: at, klFac: 0, accuracy: null, judgeAt: Math.ceil(at) + trialEpochs };
      this.disposeCandidates();
      await this.options.hooks?.restored?.();
    } else {
      this.disposeCandidates();
      this.held.disposeKept();
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
      this.held.restoreKept();
      await this.options.hooks?.restored?.();
      await this.options.hooks?.fineTuneStarted?.();
    }
    this.startSegment(epoch);
    const record: FitRecord = {
      phase: 'fine-tune',
      progress: epoch,
      klFac: 0,
      loss: NaN,
      compression: accepted ? trial.compression : this.held.kept!.compression,
      validationAccuracy: accuracy,
      seconds: 0,
    };
    this.records.push(record);
    this.options.onRecord?.(record);
    this.held.disposeKept();
  }
}

/** Cosine from 1 at t = 0 down to `final` at t = 1. */
function cosineScale(t: number, final: number): number {
  return final + ((1 - final) * (1 + Math.cos(Math.PI * t))) / 2;
}
