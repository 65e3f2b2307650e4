import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler } from '@tfjs-compress/prune/node';
import type { LeanAdam } from '@tfjs-compress/vib';
import { existingDir, replaceDirAtomic, toJson } from './atomic-files.js';
import { killPoint } from './kill-points.js';

/** tfjs-core's NamedTensor, which its index does not export. */
type NamedTensor = { name: string; tensor: tf.Tensor };

export const STATE_FILE = 'state.json';
export const OPTIMIZER_FILE = 'optimizer.bin';

/** What a checkpoint holds besides the model: the caller's state plus the optimizer manifest. */
interface StateFile<S> {
  state: S;
  optimizerSpecs: tf.io.WeightsManifestEntry[];
  savedAt: string;
}

export interface LoadedCheckpoint<S> {
  /** The directory actually read (the checkpoint, or its previous copy after a crash mid-swap). */
  dir: string;
  model: tfl.LayersModel;
  state: S;
  /** Optimizer moments by optimizer key (pass to `restoreOptimizer`), and the other tensor groups by theirs. Owned by the caller (dispose). */
  optimizers: Record<string, tf.NamedTensorMap>;
}

/**
 * Moments are stored under the weight's `originalName` (layer name / weight
 * name, saved with the model), not the variable name: tfjs makes variable
 * names unique per process (`dense_Dense1/kernel` can come back as
 * `dense_Dense1/kernel_1`), and the order of `model.weights` changes when
 * gates are frozen (trainable weights come first).
 */
function stableNameByVariable(model: tfl.LayersModel): Map<string, string> {
  return new Map(model.weights.map((w) => [(w.read() as tf.Variable).name, w.originalName]));
}

/**
 * Saves model (topology + weights), the state of each optimizer, further
 * tensor groups (`tensors`, e.g. a schedule's kept weights; copied, the
 * caller keeps them) and a JSON state object into `dir`, atomically:
 * everything goes to a temporary directory first, which then replaces the
 * old checkpoint. `loadCheckpoint` gives every group back by its key.
 */
export async function saveCheckpoint<S>(
  dir: string,
  model: tfl.LayersModel,
  optimizers: Record<string, LeanAdam>,
  state: S,
  tensors: Record<string, tf.NamedTensorMap> = {},
): Promise<void> {
  const stable = stableNameByVariable(model);
  const named: NamedTensor[] = [];
  for (const [key, optimizer] of Object.entries(optimizers)) {
    for (const { name, tensor } of await optimizer.getWeights()) {
      if (name === 'iter') {
        named.push({ name: `${key}/iter`, tensor });
        continue;
      }
      const variable = name.slice(0, -2);
      const original = stable.get(variable);
      if (original === undefined) {
        tensor.dispose();
        continue; // moments of a variable that is no longer in the model
      }
      named.push({ name: `${key}/${original}${name.slice(-2)}`, tensor });
    }
  }
  const owned = named.length;
  for (const [key, group] of Object.entries(tensors)) {
    if (key in optimizers) throw new Error(`saveCheckpoint: tensor group '${key}' has the name of an optimizer`);
    for (const [name, tensor] of Object.entries(group)) named.push({ name: `${key}/${name}`, tensor });
  }
  const { data, specs } = await tf.io.encodeWeights(named);
  tf.dispose(named.slice(0, owned).map((n) => n.tensor));
  await replaceDirAtomic(dir, async (temporary) => {
    await model.save(fileSystemHandler(temporary));
    killPoint('checkpoint-half-written');
    await writeFile(join(temporary, OPTIMIZER_FILE), new Uint8Array(data));
    const file: StateFile<S> = { state, optimizerSpecs: specs, savedAt: new Date().toISOString() };
    await writeFile(join(temporary, STATE_FILE), `${toJson(file)}\n`);
  });
}

/** True when `dir` (or its previous copy) holds a complete checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  const found = existingDir(dir);
  return found != null && existsSync(join(found, STATE_FILE));
}

/** Reads what `saveCheckpoint` wrote; custom layer classes must be registered (imported) first. */
export async function loadCheckpoint<S>(dir: string): Promise<LoadedCheckpoint<S>> {
  const found = existingDir(dir);
  if (found == null || !existsSync(join(found, STATE_FILE))) throw new Error(`no checkpoint in ${dir}`);
  const file = JSON.parse(await readFile(join(found, STATE_FILE), 'utf8')) as StateFile<S>;
  const model = await tfl.loadLayersModel(fileSystemHandler(found));
  const bytes = await readFile(join(found, OPTIMIZER_FILE));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const all = file.optimizerSpecs.length > 0 ? tf.io.decodeWeights(buffer, file.optimizerSpecs) : {};
  const optimizers: Record<string, tf.NamedTensorMap> = {};
  for (const [name, tensor] of Object.entries(all)) {
    const slash = name.indexOf('/');
    const key = name.slice(0, slash);
    (optimizers[key] ??= {})[name.slice(slash + 1)] = tensor;
  }
  return { dir: found, model, state: file.state, optimizers };
}

/** Loads saved moments into `optimizer`, mapping the stable weight names back to `model`'s variable names. */
export async function restoreOptimizer(optimizer: LeanAdam, model: tfl.LayersModel, saved: tf.NamedTensorMap | undefined): Promise<void> {
  if (saved == null) return;
  const weights: NamedTensor[] = [];
  for (const [name, tensor] of Object.entries(saved)) {
    if (name === 'iter') {
      weights.push({ name, tensor });
      continue;
    }
    const original = name.slice(0, -2);
    const weight = model.weights.find((w) => w.originalName === original);
    if (weight == null) throw new Error(`checkpoint has optimizer moments for '${original}', which the model does not have`);
    weights.push({ name: `${(weight.read() as tf.Variable).name}${name.slice(-2)}`, tensor });
  }
  await optimizer.setWeights(weights);
  // setWeights made variables of its own: the decoded tensors are no longer needed.
  tf.dispose(weights.map((w) => w.tensor));
}
