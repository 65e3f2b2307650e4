import type { KillPoint } from '@tfjs-compress/app-kit';
import type { DiskFaultCode } from './disk-fault-codes.js';

/** SIGKILL at the `pass`-th pass through `point` (see app-kit's kill points). */
export interface KillFault {
  point: KillPoint;
  pass: number;
  /** What the moment is, for the table. */
  moment: string;
}

/** The `pass`-th write to a path containing `path` fails with `code` (see `disk-faults.ts`). */
export interface DiskFault {
  code: DiskFaultCode;
  pass: number;
  path: string;
  /** What the error message must name: the file or directory the user knows. */
  names: string;
  moment: string;
}

export type Fault = KillFault | DiskFault;
export const isKillFault = (fault: Fault): fault is KillFault => 'point' in fault;

/**
 * The drill's ten moments on the tiny run (`DRILL_TRAIN_FLAGS`: 2 warm-up,
 * 6 VIB and 2 fine-tune epochs of about 8 batches, shrinking from epoch 4):
 * mid-batch in each stage, right after a layer shrank in place, between the
 * metrics line and the checkpoint, inside a checkpoint write, between the
 * two renames of a checkpoint swap, between a file's write and its rename,
 * and after the final model was saved.
 */
export const KILL_FAULTS: readonly KillFault[] = [
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

/**
 * Writes that fail as on a full disk, an unwritable folder or a read-only
 * file system: the checkpoint, the metrics line, run.json at the end, the
 * final model, the frame cache. Each must stop `train` with a message that
 * names the path and the cause, leave the previous files intact, and resume.
 */
export const DISK_FAULTS: readonly DiskFault[] = [
  { code: 'ENOSPC', pass: 3, path: 'optimizer.bin', names: '/checkpoint', moment: 'disk full while writing a checkpoint' },
  { code: 'EACCES', pass: 4, path: 'metrics.jsonl', names: '/metrics.jsonl', moment: 'metrics file not writable' },
  { code: 'EROFS', pass: 2, path: 'run.json', names: '/run.json', moment: 'read-only file system when run.json is marked finished' },
  { code: 'ENOSPC', pass: 1, path: 'vib-model', names: '/vib-model', moment: 'disk full while saving the final VIB model' },
];

export const DEFAULT_FAULTS: readonly Fault[] = [...KILL_FAULTS, ...DISK_FAULTS];

/** The tiny run every e2e drill process trains (cpu: the same numbers on every run). */
export const DRILL_TRAIN_FLAGS = [
  '--frames', '4', '--width', '32', '--height', '24', '--units', '8', '--batch', '4',
  '--epochs', '8', '--warmup-epochs', '2', '--fine-tune-epochs', '2',
  '--shrink-patience', '1', '--ib-lr', '0.3', '--max-accuracy-drop', '0.3',
  '--backend', 'cpu', '--no-progress', '--seed', '1',
] as const;

/** The tiny generated set (UCF11 layout, real video files). */
export const DRILL_DATA_FLAGS = ['--classes', '3', '--groups', '4', '--clips', '4', '--frames', '8', '--width', '32', '--height', '24'] as const;

/**
 * The CNN-LSTM app's own moments: killed and out of disk space while it
 * extracts features into its cache (each entry computed and written once),
 * plus a kill in the VIB stage and inside a checkpoint write. The rest of
 * its training loop is app-kit's, drilled above through the e2e app.
 */
export const CNN_LSTM_FAULTS: readonly Fault[] = [
  { point: 'feature-written', pass: 5, moment: 'mid feature extraction (5 entries cached)' },
  { point: 'vib-batch', pass: 22, moment: 'mid-batch, VIB stage (epoch 3)' },
  { point: 'checkpoint-half-written', pass: 2, moment: 'during a checkpoint write (model written, state not)' },
  { code: 'ENOSPC', pass: 3, path: 'feature-cache', names: '/feature-cache', moment: 'disk full while writing a feature cache entry' },
];

/** The CNN-LSTM app's tiny run: a small random-conv extractor on 24 x 32 frames, 2 cached samplings per clip. */
export const CNN_LSTM_TRAIN_FLAGS = [
  '--frames', '4', '--feature-size', '16', '--pool-grid', '1x1', '--input-size', '24x32', '--samplings', '2',
  '--units', '8', '--batch', '4', '--epochs', '6', '--warmup-epochs', '2', '--fine-tune-epochs', '1',
  '--shrink-patience', '1', '--ib-lr', '0.3', '--max-accuracy-drop', '0.3',
  '--backend', 'cpu', '--no-progress', '--seed', '1',
] as const;

/** An app the drill trains: its folder under apps/, its data and training flags, and its faults. */
export interface DrillApp {
  dataFlags: readonly string[];
  trainFlags: readonly string[];
  faults: readonly Fault[];
}

export const DRILL_APPS = {
  'ucf11-e2e': { dataFlags: DRILL_DATA_FLAGS, trainFlags: DRILL_TRAIN_FLAGS, faults: DEFAULT_FAULTS },
  'ucf11-cnn-lstm': { dataFlags: DRILL_DATA_FLAGS, trainFlags: CNN_LSTM_TRAIN_FLAGS, faults: CNN_LSTM_FAULTS },
} as const satisfies Record<string, DrillApp>;
export type DrillAppName = keyof typeof DRILL_APPS;
