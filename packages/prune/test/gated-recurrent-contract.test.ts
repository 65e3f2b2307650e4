import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { InvalidArgumentError } from '@tfjs-compress/common';
import {
  NoiseStream,
  VIBGate,
  defaultLogDInitializer,
  defaultMuInitializer,
  measureCompression,
  resolveGateSettings,
  type GatedRecurrentLayer,
  type RecurrentLayout,
  type VIBGateSettings,
} from '@tfjs-compress/vib';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import {
  GroupLasso,
  compact,
  constantSparsity,
  pruneLowMagnitude,
  recurrentLayoutOf,
  registeredLayerRules,
  shrinkVIB,
  summarizeModel,
  type CompactResult,
} from '../src/index.js';
import { assertCompactReproduces, classesOf, inputBatch, randomizeWeights, setGate, useHardMasks } from './helpers.js';

const T = 5;
const F = 6;

/** A gated LSTM from another package: prune's source never names its class. */
class TestGatedLSTM extends VIBLSTM {
  static override className = 'TestGatedLSTM';
}
tf.serialization.registerClass(TestGatedLSTM);

/**
 * A user's own gated cell, written from scratch (no vib-rnn base class):
 * h_t = z_h * tanh((z_in * x_t) W + h_{t-1} U + b), a SimpleRNN with a VIB
 * gate on its inputs and one on its units. It declares its layout; that is
 * all prune learns of it.
 */
class TestGatedRNN extends tfl.layers.Layer implements GatedRecurrentLayer {
  static className = 'TestGatedRNN';
  readonly units: number;
  private readonly settings: VIBGateSettings = resolveGateSettings({});
  private readonly noise = new NoiseStream(11);
  private kernel: tfl.LayerVariable | null = null;
  private recurrent: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;
  private inputGate: VIBGate | null = null;
  private unitGate: VIBGate | null = null;

  constructor(args: { units: number; name?: string }) {
    super(args);
    this.units = args.units;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const features = (inputShape as tfl.Shape)[2] as number;
    const add = (name: string, shape: number[], init: Initializer, trainable = true) =>
      this.addWeight(name, shape, 'float32', init, undefined, trainable);
    this.kernel = add('kernel', [features, this.units], tfl.initializers.glorotUniform({ seed: 1 }));
    this.recurrent = add('recurrent_kernel', [this.units, this.units], tfl.initializers.glorotUniform({ seed: 2 }));
    this.bias = add('bias', [this.units], tfl.initializers.zeros());
    const gate = (size: number, prefix: string) =>
      new VIBGate(size, prefix, add, defaultMuInitializer(3), defaultLogDInitializer(4), this.settings, this.noise);
    this.inputGate = gate(features, 'input_');
    this.unitGate = gate(this.units, 'unit_');
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return [(inputShape as tfl.Shape)[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const batch = x.shape[0];
      const training = kwargs?.training === true;
      const zIn = this.inputGate!.factor(training, batch);
      const zH = this.unitGate!.factor(training, batch);
      const gated = tf.mul(x, zIn.rank === 2 ? tf.expandDims(zIn, 1) : zIn);
      const [W, U] = [this.kernel!, this.recurrent!].map((w) => w.read() as tf.Tensor2D);
      let h = tf.zeros([batch, this.units]) as tf.Tensor2D;
      for (const xt of tf.unstack(gated, 1) as tf.Tensor2D[]) {
        const pre = tf.add(tf.add(tf.matMul(xt, W), tf.matMul(h, U)), this.bias!.read());
        h = tf.mul(tf.tanh(pre), zH) as tf.Tensor2D;
      }
      return h;
    });
  }

  get vibGates(): VIBGate[] {
    return this.inputGate && this.unitGate ? [this.inputGate, this.unitGate] : [];
  }

  setFrozenMask(frozen: boolean): void {
    for (const gate of this.vibGates) gate.setFrozenMask(frozen, this);
  }

  setKlFac(klFac: number): void {
    this.settings.klFac = klFac;
  }

  get recurrentLayout(): RecurrentLayout {
    return { kind: 'simple', gates: 1, units: this.units };
  }

  recurrentGates() {
    return { input: this.inputGate, blocks: [this.unitGate] };
  }

  plainWeights(): tf.Tensor[] {
    return [this.kernel!, this.recurrent!, this.bias!].map((w) => w.read().clone());
  }

  /** What its masks remove (the optional half of the contract that shrinkVIB reads). */
  prunableUnits(threshold?: number) {
    const split = (gate: VIBGate) => {
      const mask = tf.tidy(() => gate.mask(threshold).dataSync() as Float32Array);
      const all = Array.from(mask.keys());
      return { kept: all.filter((k) => mask[k] !== 0), removed: all.filter((k) => mask[k] === 0) };
    };
    return { inputs: split(this.inputGate!), units: split(this.unitGate!) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, activation: 'tanh', useBias: true, returnSequences: false };
  }
}
tf.serialization.registerClass(TestGatedRNN);

function headed(layer: tfl.layers.Layer): tfl.LayersModel {
  const input = tfl.input({ shape: [T, F] });
  const hidden = layer.apply(input) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(hidden) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** compact with hard masks: built-in layers only, the hard-mask model's predictions to 1e-5, again after save and load. */
const compactMatches = (model: tfl.LayersModel, what: string): Promise<CompactResult> => assertCompactReproduces(model, inputBatch(4, T, F, 21), what, ['Test', 'VIB']);

/** Bidirectional(template) between an input and a softmax head, weights randomized: the model and its two directions. */
function headedBidirectional<L extends VIBLSTM>(template: L, seed: number) {
  const bi = tfl.layers.bidirectional({ layer: template as never, mergeMode: 'concat', name: 'bi' });
  const model = headed(bi);
  randomizeWeights(model, seed);
  const { forwardLayer, backwardLayer } = bi as unknown as { forwardLayer: L; backwardLayer: L };
  return { model, forwardLayer, backwardLayer };
}

const shapes = (model: tfl.LayersModel, name: string) => model.getLayer(name).getWeights().map((w) => w.shape);

for (const backend of TEST_BACKENDS) {
  describe(`a gated recurrent layer prune never names (${backend})`, () => {
    before(() => useBackend(backend));

    it('a subclass of VIBLSTM under its own class name compacts to a smaller LSTM', async () => {
      assert.ok(!registeredLayerRules().includes('TestGatedLSTM'), 'no rule registered by name');
      const layer = new TestGatedLSTM({ units: 6, inputBottleneck: true, name: 'gated' });
      const model = headed(layer);
      randomizeWeights(model, 5);
      const { inputGate, gates } = layer.cell;
      setGate(inputGate!, [1, 4]);
      setGate(gates.i!, [0]);
      setGate(gates.g!, [2]);
      setGate(gates.o!, [5]);
      setGate(gates.f!, [3]); // a kept unit's closed forget gate: pinned, not removed
      assert.deepEqual(recurrentLayoutOf(layer), { kind: 'lstm', gates: 4, units: 6 });
      const result = await compactMatches(model, 'TestGatedLSTM');
      assert.equal(result.model.getLayer('gated').getClassName(), 'LSTM');
      assert.deepEqual(shapes(result.model, 'gated'), [[4, 12], [3, 12], [12]]);
      assert.deepEqual(result.keptInputs, [0, 2, 3, 5]);
      const row = result.report.layers.find((r) => r.name === 'gated')!;
      assert.deepEqual([row.kindBefore, row.unitsBefore, row.unitsAfter, row.kindAfter], ['lstm', 6, 3, 'lstm']);
      [result.model, model].forEach((m) => m.dispose());
    });

    it('inside a Bidirectional: each direction keeps its own units', async () => {
      const { model, forwardLayer, backwardLayer } = headedBidirectional(new TestGatedLSTM({ units: 4, inputBottleneck: true, name: 'gated' }), 9);
      setGate(forwardLayer.cell.inputGate!, [0]);
      setGate(backwardLayer.cell.inputGate!, [0, 5]);
      setGate(forwardLayer.cell.gates.o!, [1, 2]);
      setGate(backwardLayer.cell.gates.g!, [3]);
      const result = await compactMatches(model, 'Bidirectional(TestGatedLSTM)');
      assert.deepEqual(result.keptInputs, [1, 2, 3, 4, 5]);
      assert.deepEqual(classesOf(result.model).slice(1, 3), ['Bidirectional', 'LSTM']);
      assert.equal(summarizeModel(model).find((r) => r.name === 'bi')!.kind, 'lstm');
      [result.model, model].forEach((m) => m.dispose());
    });

    it('a gated cell written from scratch (kind simple) compacts to a SimpleRNN without its shut units', async () => {
      const layer = new TestGatedRNN({ units: 5, name: 'cell' });
      const model = headed(layer);
      randomizeWeights(model, 3);
      const { input, blocks } = layer.recurrentGates();
      setGate(input!, [2]);
      setGate(blocks[0]!, [1, 3]);
      const result = await compactMatches(model, 'TestGatedRNN');
      assert.equal(result.model.getLayer('cell').getClassName(), 'SimpleRNN');
      assert.deepEqual(shapes(result.model, 'cell'), [[5, 3], [3, 3], [3]]);
      assert.deepEqual(result.keptInputs, [0, 1, 3, 4, 5]);
      assert.equal(summarizeModel(model).find((r) => r.name === 'cell')!.kind, 'rnn');
      [result.model, model].forEach((m) => m.dispose());
    });

    it('shrinkVIB rebuilds the from-scratch cell smaller by its declared layout, and it predicts what the masked cell predicts', () => {
      const layer = new TestGatedRNN({ units: 5, name: 'cell' });
      const model = headed(layer);
      randomizeWeights(model, 4);
      const { input, blocks } = layer.recurrentGates();
      setGate(input!, [0, 4]);
      setGate(blocks[0]!, [2]);
      useHardMasks(model);
      const result = shrinkVIB(model);
      assert.equal(result.changed, true);
      assert.deepEqual(result.skipped, []);
      assert.deepEqual(result.keptInputs, [1, 2, 3, 5]);
      const rebuilt = result.model.getLayer('cell');
      assert.equal(rebuilt.getClassName(), 'TestGatedRNN');
      assert.deepEqual(shapes(result.model, 'cell').slice(0, 3), [[4, 4], [4, 4], [4]]);
      useHardMasks(result.model); // this cell keeps its gate settings out of its config
      const x = inputBatch(4, T, F, 22);
      assertClose(result.model.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-5, 'shrunk vs masked');
      [result.model, model].forEach((m) => m.dispose());
    });

    it("the engine's compression measure of a Bidirectional is what compact builds: one input for both directions, one units", async () => {
      const { model, forwardLayer, backwardLayer } = headedBidirectional(new VIBLSTM({ units: 6, inputBottleneck: true, name: 'lstm' }), 3);
      setGate(forwardLayer.cell.inputGate!, [0, 1, 2]);
      setGate(backwardLayer.cell.inputGate!, [3, 4]);
      setGate(forwardLayer.cell.gates.o!, [0, 1, 2]);
      setGate(backwardLayer.cell.gates.i!, [3]);
      const measure = measureCompression(model);
      const result = await compactMatches(model, 'Bidirectional, directions pruned apart');
      const compactParams = result.model.getLayer('bi').countParams();
      assert.equal(measure.paramsAfter, compactParams, `measured ${measure.paramsAfter}, compact ${compactParams}`);
      assert.deepEqual(measure.layers.map((l) => [l.keptInputs, l.keptUnits]), [[6, 5], [6, 5]], 'either direction\'s inputs, the larger units');
      [result.model, model].forEach((m) => m.dispose());
    });

    it('group lasso and magnitude pruning find it by its layout', () => {
      const layer = new TestGatedLSTM({ units: 3, name: 'gated' });
      const model = headed(layer);
      assert.deepEqual(new GroupLasso(model).layers, [layer]);
      const pruning = pruneLowMagnitude(model, { schedule: constantSparsity({ targetSparsity: 0.5 }) });
      const names = pruning.weights.map((w) => w.originalName ?? w.name);
      assert.ok(names.some((n) => n.startsWith('gated/') && n.endsWith('/kernel')), names.join(', '));
      assert.ok(names.some((n) => n.startsWith('gated/') && n.endsWith('recurrent_kernel')), names.join(', '));
      pruning.strip();
      model.dispose();
    });

    it('refuses a layout whose gate count disagrees with its kind, naming the layer', () => {
      class WrongLayout extends TestGatedRNN {
        static override className = 'WrongLayout';
        override get recurrentLayout(): RecurrentLayout {
          return { kind: 'lstm', gates: 1, units: this.units };
        }
      }
      const model = headed(new WrongLayout({ units: 3, name: 'wrong' }));
      useHardMasks(model);
      assert.throws(
        () => compact(model),
        (error: unknown) => InvalidArgumentError.isInstance(error) && /recurrentLayout of layer 'wrong'/.test(error.message) && /gates = 4 for kind 'lstm'/.test(error.message),
      );
      model.dispose();
    });
  });
}
