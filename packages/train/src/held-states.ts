import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { disposeSnapshot, restoreSnapshot, snapshotFromTensors, snapshotTensors, takeSnapshot, type WeightSnapshot } from './weight-snapshot.js';

/** Where and how a kept state was taken. */
export interface KeptState {
  compression: number;
  progress: number;
  klFac: number;
  accuracy: number | null;
}

/** A rejected state kept for a second judgement. */
export interface VIBCandidate {
  compression: number;
  weights: WeightSnapshot;
}

/** What `HeldStates.save` writes beside the tensors. */
export interface HeldStatesState {
  kept: KeptState | null;
  candidates: number[];
}

const KEPT_PREFIX = 'kept/';
const candidatePrefix = (i: number) => `candidate${i}/`;

/**
 * The weight copies a schedule may write back: the kept state (the one to
 * fine-tune unless a better one comes) and rejected candidates above it,
 * at most `maxCandidates`, the least compressed first.
 */
export class HeldStates {
  private keptValue: (KeptState & { weights: WeightSnapshot }) | null = null;
  private candidateList: VIBCandidate[] = [];

  constructor(private readonly maxCandidates: number) {}

  get kept(): KeptState | null {
    return this.keptValue && { compression: this.keptValue.compression, progress: this.keptValue.progress, klFac: this.keptValue.klFac, accuracy: this.keptValue.accuracy };
  }

  get candidates(): readonly VIBCandidate[] {
    return this.candidateList;
  }

  /** Every copy held, the kept state first. */
  get weights(): readonly WeightSnapshot[] {
    return [...(this.keptValue ? [this.keptValue.weights] : []), ...this.candidateList.map((c) => c.weights)];
  }

  /** Copies the model as the kept state (the previous one is disposed). */
  keep(model: tfl.LayersModel, figures: KeptState): void {
    disposeSnapshot(this.keptValue?.weights ?? null);
    this.keptValue = { ...figures, weights: takeSnapshot(model) };
  }

  /** Copies the model as a candidate at `compression` (no-op when none are kept); `prune` settles which stay. */
  addCandidate(model: tfl.LayersModel, compression: number): void {
    if (this.maxCandidates > 0) this.candidateList.push({ compression, weights: takeSnapshot(model) });
  }

  /** Writes the kept state back into the model; false when there is none. */
  restoreKept(): boolean {
    if (!this.keptValue) return false;
    restoreSnapshot(this.keptValue.weights);
    return true;
  }

  /** The candidate nearest above the kept state, if any. */
  nearestCandidate(): VIBCandidate | undefined {
    return this.candidateList.find((c) => c.compression > (this.keptValue?.compression ?? 1));
  }

  disposeCandidates(): void {
    for (const candidate of this.candidateList) disposeSnapshot(candidate.weights);
    this.candidateList = [];
  }

  disposeKept(): void {
    disposeSnapshot(this.keptValue?.weights ?? null);
    this.keptValue = null;
  }

  /** Maps every copy onto another model's variables (`carry`); the old values are disposed. */
  rebind(carry: (snapshot: WeightSnapshot) => WeightSnapshot): void {
    const move = (snapshot: WeightSnapshot) => {
      const moved = carry(snapshot);
      disposeSnapshot(snapshot);
      return moved;
    };
    if (this.keptValue) this.keptValue = { ...this.keptValue, weights: move(this.keptValue.weights) };
    this.candidateList = this.candidateList.map((c) => ({ ...c, weights: move(c.weights) }));
  }

  /** JSON figures plus copies of the weights by saved name (`kept/<weight>`, `candidate<i>/<weight>`; the caller disposes them). */
  save(): { state: HeldStatesState; tensors: tf.NamedTensorMap } {
    const tensors: tf.NamedTensorMap = {};
    if (this.keptValue) Object.assign(tensors, snapshotTensors(this.keptValue.weights, KEPT_PREFIX));
    this.candidateList.forEach((c, i) => Object.assign(tensors, snapshotTensors(c.weights, candidatePrefix(i))));
    return { state: { kept: this.kept, candidates: this.candidateList.map((c) => c.compression) }, tensors };
  }

  /** Replaces what is held by `save`'s result, bound to `model`'s variables (the tensors are copied). */
  load(model: tfl.LayersModel, state: HeldStatesState, tensors: tf.NamedTensorMap): void {
    this.disposeKept();
    this.disposeCandidates();
    this.keptValue = state.kept ? { ...state.kept, weights: snapshotFromTensors(model, tensors, KEPT_PREFIX) } : null;
    this.candidateList = state.candidates.map((compression, i) => ({ compression, weights: snapshotFromTensors(model, tensors, candidatePrefix(i)) }));
  }

  /**
   * Keeps the `maxCandidates` rejected states nearest above the kept state:
   * the least compressed rejected rung is the one a full fine-tune most often
   * brings back within the budget (a far rung was rejected by a wide margin).
   */
  prune(): void {
    const floor = this.keptValue?.compression ?? 1;
    const keep: VIBCandidate[] = [];
    for (const candidate of [...this.candidateList].sort((a, b) => a.compression - b.compression)) {
      if (candidate.compression > floor && keep.length < this.maxCandidates) keep.push(candidate);
      else disposeSnapshot(candidate.weights);
    }
    this.candidateList = keep;
  }
}
