/** A batch of sampled uint8 frames, before it becomes tensors. */
export interface ReadyBatch {
  /** B clips of T frames of H x W x 3, one after another. */
  frames: Uint8Array;
  labels: Int32Array;
  paths: string[];
}

/** Packs sampled clips into one uint8 buffer per batch. */
export class BatchAssembler {
  // Allocated on the first clip, so a batch waiting for queue room is the only extra buffer.
  private frames: Uint8Array | undefined;
  private labels: number[] = [];
  private paths: string[] = [];

  constructor(private readonly batchSize: number, private readonly clipBytes: number) {}

  /** Clips in the batch being filled. */
  get size(): number {
    return this.labels.length;
  }

  get full(): boolean {
    return this.labels.length === this.batchSize;
  }

  add(frames: Uint8Array, label: number, path: string): void {
    this.frames ??= new Uint8Array(this.batchSize * this.clipBytes);
    this.frames.set(frames, this.labels.length * this.clipBytes);
    this.labels.push(label);
    this.paths.push(path);
  }

  /** The batch so far (a short last one is trimmed); the next add starts a new one. */
  take(): ReadyBatch {
    const n = this.labels.length;
    const frames = this.frames ?? new Uint8Array(0);
    const ready = { frames: n === this.batchSize ? frames : frames.slice(0, n * this.clipBytes), labels: Int32Array.from(this.labels), paths: this.paths };
    this.frames = undefined;
    this.labels = [];
    this.paths = [];
    return ready;
  }
}
