import type { KillPoint } from '@tfjs-compress/app-kit';

/** One injected fault: SIGKILL at the `pass`-th pass through `point` (see app-kit's kill points). */
export interface Fault {
  point: KillPoint;
  pass: number;
  /** What the moment is, for the table. */
  moment: string;
}

/**
 * The drill's ten moments on the tiny run (`DRILL_TRAIN_FLAGS`: 2 warm-up,
 * 6 VIB and 2 fine-tune epochs of about 8 batches, shrinking from epoch 4):
 * mid-batch in each stage, right after a layer shrank in place, between the
 * metrics line and the checkpoint, inside a checkpoint write, between the
 * two renames of a checkpoint swap, between a file's write and its rename,
 * and after the final model was saved.
 */
export const DEFAULT_FAULTS: readonly Fault[] = [
  { point: 'vib-batch', pass: 3, moment: 'mid-batch, warm-up epoch 1' },
  { point: 'vib-batch', pass: 29, moment: 'mid-batch, VIB stage (epoch 4)' },
  { point: 'shrink', pass: 1, moment: 'right after the first shrink in place' },
  { point: 'shrink', pass: 3, moment: 'right after a later shrink' },
  { point: 'metrics-appended', pass: 5, moment: "epoch 5's metrics line written, its checkpoint not" },
  { point: 'checkpoint-half-written', pass: 3, moment: 'during a checkpoint write (model written, state not)' },
  { point: 'directory-swap', pass: 6, moment: 'during a checkpoint swap (old copy moved aside, new one not in place)' },
  { point: 'file-rename', pass: 2, moment: 'between a file write and its rename' },
  { point: 'fine-tune-batch', pass: 10, moment: 'mid-batch, fine-tune epoch 2' },
  { point: 'model-saved', pass: 1, moment: 'after the final VIB model was saved, before run.json says finished' },
];

/** The tiny run every drill process trains (cpu: the same numbers on every run). */
export const DRILL_TRAIN_FLAGS = [
  '--frames', '4', '--width', '32', '--height', '24', '--units', '8', '--batch', '4',
  '--epochs', '8', '--warmup-epochs', '2', '--fine-tune-epochs', '2',
  '--shrink-patience', '1', '--ib-lr', '0.3', '--max-accuracy-drop', '0.3',
  '--backend', 'cpu', '--no-progress', '--seed', '1',
] as const;

/** The tiny generated set (UCF11 layout, real video files). */
export const DRILL_DATA_FLAGS = ['--classes', '3', '--groups', '4', '--clips', '4', '--frames', '8', '--width', '32', '--height', '24'] as const;
