import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLayer, type VIBGate } from '@tfjs-compress/vib';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { inputBatch, randomizeWeights, seededValues, setGate } from './helpers.js';

/** The model shapes tfjs users train, with VIB gates partly shut, and inputs for them. */
export interface ZooModel {
  model: tfl.LayersModel;
  /** Fresh inputs (the caller disposes them). */
  inputs(): tf.Tensor | tf.Tensor[];
}

export const T = 5;
export const F = 6;
export const VOCABULARY = 12;

type Recurrent = VIBLSTM | VIBGRU;
const gates = (layer: tfl.layers.Layer) => (layer as Recurrent).cell;
const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;

/** The two directions of a Bidirectional. */
export function directions(model: tfl.LayersModel, name: string): [Recurrent, Recurrent] {
  const bi = model.getLayer(name) as unknown as { forwardLayer: Recurrent; backwardLayer: Recurrent };
  return [bi.forwardLayer, bi.backwardLayer];
}

/** Token ids in [0, VOCABULARY), [batch, T]. */
export function tokenIds(batch: number, seed: number): tf.Tensor2D {
  const values = seededValues(batch * T, seed, 1).map((v) => Math.floor(((v + 1) / 2) * VOCABULARY) % VOCABULARY);
  return tf.tensor2d(values, [batch, T]);
}

function shut(gate: VIBGate | null, pruned: number[], seed: number): void {
  if (gate == null) throw new Error('no such gate');
  setGate(gate, pruned, seed);
}

/** Embedding -> VIBLSTM -> Dense softmax (text classification). */
export function embeddingLstm(): ZooModel {
  const ids = tfl.input({ shape: [T], name: 'ids' });
  const lstm = new VIBLSTM({ units: 5, inputBottleneck: true, name: 'lstm' });
  let x = apply(tfl.layers.embedding({ inputDim: VOCABULARY, outputDim: 6, name: 'embed' }), ids);
  x = apply(lstm, x);
  const model = tfl.model({ inputs: ids, outputs: apply(tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }), x) });
  randomizeWeights(model, 3);
  shut(gates(lstm).inputGate, [1, 4], 11);
  shut(gates(lstm).gates.o, [2], 12);
  shut(gates(lstm).gates.f, [0], 13);
  return { model, inputs: () => tokenIds(4, 5) };
}

/** Bidirectional(VIBLSTM or VIBGRU) -> Dense, any merge mode; `deadForward` shuts every forward unit. */
export function bidirectional(mergeMode: 'concat' | 'sum' | 'ave' | 'mul', kind: 'lstm' | 'gru' = 'lstm', deadForward = false): ZooModel {
  const input = tfl.input({ shape: [T, F] });
  const inner = kind === 'lstm' ? new VIBLSTM({ units: 5, inputBottleneck: true, name: 'rnn' }) : new VIBGRU({ units: 5, inputBottleneck: true, name: 'rnn' });
  const bi = tfl.layers.bidirectional({ layer: inner as never, mergeMode, name: 'bi' });
  const x = apply(bi, input);
  const model = tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 3, name: 'out' }), x) });
  randomizeWeights(model, 7);
  const [forward, backward] = directions(model, 'bi');
  const candidate = kind === 'lstm' ? 'g' : 'h';
  // Forward: input 0 and units 1, 3 pruned; backward: input 0 and 5, units 0, 1 pruned (unit 1 on both sides, 3 and 0 on one).
  shut(gates(forward).inputGate, [0], 21);
  shut(gates(forward).gates[candidate], [1, 3], 22);
  shut(gates(backward).inputGate, [0, 5], 23);
  shut(gates(backward).gates[candidate], [0, 1], 24);
  if (kind === 'lstm') shut(gates(backward).gates.f, [2], 25);
  if (deadForward) shut(gates(forward).gates[candidate], [0, 1, 2, 3, 4], 26);
  return { model, inputs: () => inputBatch(3, T, F, 9) };
}

/** VIBLSTM(returnSequences) -> TimeDistributed(Dense) (sequence tagging). */
export function tagger(): ZooModel {
  const input = tfl.input({ shape: [T, F] });
  const lstm = new VIBLSTM({ units: 6, inputBottleneck: true, returnSequences: true, name: 'lstm' });
  let x = apply(lstm, input);
  x = apply(tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 4, activation: 'softmax', name: 'tag' }), name: 'td' }), x);
  const model = tfl.model({ inputs: input, outputs: x });
  randomizeWeights(model, 13);
  shut(gates(lstm).inputGate, [2], 31);
  shut(gates(lstm).gates.i, [0, 4], 32);
  return { model, inputs: () => inputBatch(3, T, F, 15) };
}

/** Embedding -> Bidirectional(VIBGRU) -> Bidirectional(VIBGRU) -> TimeDistributed(Dense) (a two-layer BiGRU tagger). */
export function biGruTagger(): ZooModel {
  const ids = tfl.input({ shape: [T] });
  let x = apply(tfl.layers.embedding({ inputDim: VOCABULARY, outputDim: 5, name: 'embed' }), ids);
  for (const [i, units] of [[1, 4], [2, 3]]) {
    const inner = new VIBGRU({ units, inputBottleneck: true, returnSequences: true, name: `gru${i}` });
    x = apply(tfl.layers.bidirectional({ layer: inner as never, name: `bi${i}` }), x);
  }
  x = apply(tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 3, activation: 'softmax', name: 'tag' }), name: 'td' }), x);
  const model = tfl.model({ inputs: ids, outputs: x });
  randomizeWeights(model, 17);
  const [f1, b1] = directions(model, 'bi1');
  const [f2, b2] = directions(model, 'bi2');
  shut(gates(f1).inputGate, [3], 41);
  shut(gates(b1).inputGate, [3], 42);
  shut(gates(f1).gates.h, [2], 43);
  shut(gates(b1).gates.h, [0, 2], 44);
  shut(gates(f2).inputGate, [1, 6], 45);
  shut(gates(b2).gates.h, [1], 46);
  shut(gates(f2).gates.z, [0], 47);
  return { model, inputs: () => tokenIds(3, 19) };
}

/** Two inputs: token ids -> Embedding -> VIBLSTM, numeric features -> VIBLayer -> Dense; Concatenate -> Dense. */
export function twoInputs(): ZooModel {
  const ids = tfl.input({ shape: [T], name: 'text' });
  const numbers = tfl.input({ shape: [4], name: 'numbers' });
  const lstm = new VIBLSTM({ units: 5, inputBottleneck: true, name: 'lstm' });
  const text = apply(lstm, apply(tfl.layers.embedding({ inputDim: VOCABULARY, outputDim: 4, name: 'embed' }), ids));
  const gate = new VIBLayer({ name: 'numbers_gate' });
  const numeric = apply(tfl.layers.dense({ units: 3, activation: 'relu', name: 'numeric' }), apply(gate, numbers));
  const joined = apply(tfl.layers.concatenate({ name: 'join' }), [text, numeric]);
  const out = apply(tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }), joined);
  const model = tfl.model({ inputs: [ids, numbers], outputs: out });
  randomizeWeights(model, 23);
  shut(gates(lstm).inputGate, [0], 51);
  shut(gates(lstm).gates.o, [1, 3], 52);
  shut(gate.vibGates[0], [2], 53);
  return { model, inputs: () => [tokenIds(3, 29), tf.tensor2d(seededValues(12, 31, 1), [3, 4])] };
}

/** A residual block: x = VIBLSTM(seq), y = VIBLSTM(seq)(x), Add([x, y]) -> GRU -> Dense. */
export function residual(): ZooModel {
  const input = tfl.input({ shape: [T, F] });
  const first = new VIBLSTM({ units: 6, inputBottleneck: true, returnSequences: true, name: 'lstm1' });
  const second = new VIBLSTM({ units: 6, returnSequences: true, name: 'lstm2' });
  const x = apply(first, input);
  const y = apply(second, x);
  const sum = apply(tfl.layers.add({ name: 'residual' }), [x, y]);
  const out = apply(tfl.layers.dense({ units: 2, name: 'out' }), apply(tfl.layers.gru({ units: 3, recurrentInitializer: 'glorotUniform', name: 'gru' }), sum));
  const model = tfl.model({ inputs: input, outputs: out });
  randomizeWeights(model, 29);
  shut(gates(first).inputGate, [5], 61);
  // Units 0 and 4 are pruned in both, 2 only in the first, 3 only in the second.
  shut(gates(first).gates.o, [0, 2, 4], 62);
  shut(gates(second).gates.o, [0, 3, 4], 63);
  return { model, inputs: () => inputBatch(3, T, F, 33) };
}

/** VIBGRU(returnSequences) -> VIBGRU -> Dense(1) linear (time-series forecasting). */
export function gruRegressor(): ZooModel {
  const input = tfl.input({ shape: [T, F] });
  const first = new VIBGRU({ units: 5, inputBottleneck: true, returnSequences: true, name: 'gru1' });
  const second = new VIBGRU({ units: 4, inputBottleneck: true, name: 'gru2' });
  const out = apply(tfl.layers.dense({ units: 1, name: 'forecast' }), apply(second, apply(first, input)));
  const model = tfl.model({ inputs: input, outputs: out });
  randomizeWeights(model, 37);
  shut(gates(first).inputGate, [1, 3], 71);
  shut(gates(first).gates.h, [4], 72);
  shut(gates(second).inputGate, [0], 73);
  shut(gates(second).gates.h, [2], 74);
  shut(gates(second).gates.r, [1], 75);
  return { model, inputs: () => inputBatch(3, T, F, 35) };
}
