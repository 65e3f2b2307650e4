import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, assertClose, assertNoLeak, useBackend } from '@tfjs-compress/testing';
import { VIBTrainer, gatedLayers, setFrozenMask } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBGRU, VIBLSTM, createProjection, type InputProjection } from '@tfjs-compress/vib-rnn';
import { compact, formatReport, lstmParamCount, shrinkVIB } from '@tfjs-compress/prune';
import { TRProjection, TTProjection, product, projectionFromDense } from '../src/index.js';

/** Minimal host that builds a projection the way a recurrent cell does. */
class ProjectionHost extends tfl.layers.Layer {
  static className = 'ProjectionHost';
  constructor(
    readonly projection: InputProjection,
    readonly gates: number,
    readonly units: number,
  ) {
    super({});
  }
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    this.projection.build(shape[shape.length - 1]!, this.gates * this.units, {
      addWeight: (name, weightShape, initializer, regularizer, constraint) =>
        this.addWeight(name, weightShape, 'float32', initializer, regularizer, true, constraint),
      kernelInitializer: tfl.initializers.glorotUniform({}),
      gates: this.gates,
      units: this.units,
    });
    this.built = true;
  }
  override computeOutputShape(inputShape: tfl.Shape): tfl.Shape {
    return [inputShape[0], this.gates * this.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.projection.apply((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D));
  }
}

function hosted(projection: InputProjection, inputDim: number, gates: number, units: number): ProjectionHost {
  const host = new ProjectionHost(projection, gates, units);
  host.build([null, inputDim]);
  return host;
}

for (const backend of TEST_BACKENDS) {
  describe(`TT / TR projections (${backend})`, () => {
    before(() => useBackend(backend));

    it('Yang et al. UCF11: 57,600 -> 4 x 256 with ranks 4 has 3,360 core parameters, gates folded first', () => {
      const projection = createProjection({ className: 'tensor-train', config: { inShape: [8, 20, 20, 18], ranks: 4 } });
      assert.ok(projection instanceof TTProjection);
      const host = hosted(projection, 57600, 4, 256);
      assert.deepEqual(projection.tensorShape.outShape, [16, 4, 4, 4]);
      assert.deepEqual(projection.tensorShape.ranks, [1, 4, 4, 4, 1]);
      assert.deepEqual(projection.weights.map((w) => product(w.shape as number[])), [512, 1280, 1280, 288]);
      assert.equal(projection.paramCount(), 3360);
      assert.equal(host.countParams(), 3360);
      assert.equal(projection.compressionRatio(), (57600 * 1024) / 3360);
      const y = projection.apply(tf.ones([2, 57600]) as tf.Tensor2D);
      assert.deepEqual(y.shape, [2, 1024]);
      y.dispose();
    });

    for (const [name, make] of [
      ['tensor-train', (config: object) => new TTProjection(config)],
      ['tensor-ring', (config: object) => new TRProjection(config)],
    ] as const) {
      it(`${name}: output columns are gate-major (gate g owns columns [g*units, (g+1)*units))`, () => {
        const gates = 4;
        const units = 6; // outShape [4 * 3, 2]: the gate is j_1 div 3
        const projection = make({ inShape: [2, 3], ranks: 2, seed: 1 });
        const host = hosted(projection, 6, gates, units);
        assert.deepEqual(projection.tensorShape.outShape, [12, 2]);
        const [core0, core1] = host.getWeights().map((w) => tf.clone(w));
        for (let g = 0; g < gates; g++) {
          // Keep only the gate-g slice of the first output factor.
          const mask = tf.tensor4d(Array.from({ length: 12 }, (_, j) => (Math.floor(j / 3) === g ? 1 : 0)), [1, 1, 12, 1]);
          host.setWeights([tf.mul(core0, mask), core1]);
          const dense = projection.toDense().arraySync();
          dense.forEach((row) =>
            row.forEach((v, c) => {
              if (Math.floor(c / units) !== g) assert.equal(v, 0, `gate ${g}: column ${c} should be 0`);
            }),
          );
          assert.ok(dense.some((row) => row.slice(g * units, (g + 1) * units).some((v) => v !== 0)));
        }
      });

      it(`${name}: apply equals x toDense() and leaks nothing`, async () => {
        const projection = make({ inShape: [3, 4], ranks: 3, seed: 2 });
        hosted(projection, 12, 3, 4);
        const x = tf.randomNormal([5, 12], 0, 1, 'float32', 3) as tf.Tensor2D;
        const kernel = projection.toDense();
        assertClose(projection.apply(x), tf.matMul(x, kernel), 1e-5);
        assert.equal(projection.flopsPerRow() > 0, true);
        await assertNoLeak(() => tf.dispose(projection.apply(x)));
      });
    }

    it('rejects shapes that do not match the cell', () => {
      const projection = new TTProjection({ inShape: [2, 5], outShape: [4, 2] });
      assert.throws(() => hosted(projection, 12, 4, 2), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'projection.inShape');
      const wrongOut = new TTProjection({ inShape: [3, 4], outShape: [4, 3] });
      assert.throws(() => hosted(wrongOut, 12, 4, 2), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'projection.outShape');
      assert.throws(() => new TRProjection({ ranks: [2, 3, 1] }).build(12, 8, {} as never), (e: unknown) => InvalidArgumentError.isInstance(e));
    });

    it('projectionFromDense turns an LSTM kernel into a TT projection (exact at full rank)', () => {
      const lstm = tfl.layers.lstm({ units: 4, recurrentInitializer: 'glorotUniform' });
      lstm.apply(tf.zeros([1, 2, 12]));
      const kernel = lstm.getWeights()[0];
      const projection = projectionFromDense(lstm, { inShape: [3, 4], maxRank: 100 });
      assert.deepEqual(projection.tensorShape.outShape, [8, 2]);
      hosted(projection, 12, 4, 4);
      assertClose(projection.toDense(), kernel, 1e-5, 'full-rank TT of the kernel');
      // A VIBLSTM built with a converted projection starts from the decomposed cores.
      const vib = new VIBLSTM({ units: 4, projection: projectionFromDense(lstm, { inShape: [3, 4], maxRank: 100 }), inputShape: [2, 12] });
      vib.apply(tf.zeros([1, 2, 12]));
      assertClose(vib.plainWeights()[0], kernel, 1e-5, 'VIBLSTM kernel from the converted projection');
      const ring = projectionFromDense(kernel as tf.Tensor2D, { format: 'tensor-ring', gates: 4, inShape: [3, 4], tolerance: 1e-3 });
      assert.ok(ring instanceof TRProjection);
      hosted(ring, 12, 4, 4);
      const error = tf.tidy(() => tf.norm(tf.sub(ring.toDense(), kernel)).dataSync()[0] / tf.norm(kernel).dataSync()[0]);
      assert.ok(error <= 1e-3, `ring error ${error}`);
    });

    it('VIBLSTM with a tensor-train projection and VIB gates trains, and both compressions show', async () => {
      const features = 16; // 4 informative, 12 noise
      const steps = 3;
      const batch = 256;
      const task = (seed: number) =>
        tf.tidy(() => {
          const inputs = tf.randomNormal([batch, steps, features], 0, 1, 'float32', seed);
          const signal = tf.sum(tf.slice(inputs, [0, 0, 0], [batch, steps, 4]), [1, 2]);
          return [inputs, tf.oneHot(tf.cast(tf.greater(signal, 0), 'int32'), 2)];
        });
      const [x, y] = task(21);
      const [testX, testY] = task(22);
      const lstm = new VIBLSTM({
        units: 8,
        inputBottleneck: true,
        klFac: 1e-3,
        seed: 4,
        projection: { className: 'tensor-train', config: { inShape: [4, 4], ranks: 3, seed: 6 } },
        inputShape: [steps, features],
      });
      const model = tfl.sequential({ layers: [lstm, tfl.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) })] });
      const projection = lstm.cell.projection as TTProjection;
      assert.ok(projection instanceof TTProjection);
      assert.deepEqual(projection.tensorShape.outShape, [4 * 4, 2]);
      const trainer = new VIBTrainer(model, { lr: 2e-2, ibLr: 5e-2 });
      let first = 0;
      let last = 0;
      for (let i = 0; i < 250; i++) {
        last = trainer.trainOnBatch(x, y);
        if (i === 0) first = last;
      }
      const accuracy = tf.tidy(() =>
        tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(testX) as tf.Tensor, -1), tf.argMax(testY, -1)), 'float32')).dataSync()[0],
      );
      const kept = lstm.prunableUnits();
      const report = {
        accuracy,
        lossFirst: first,
        lossLast: last,
        keptInputs: kept.inputs.kept.length,
        keptUnits: kept.units.kept.length,
        projectionParams: projection.paramCount(),
        denseProjectionParams: features * 4 * 8,
        projectionCompression: projection.compressionRatio(),
        // What compaction builds: a dense [keptInputs, 4 * keptUnits] kernel gathered from toDense().
        compactProjectionParams: kept.inputs.kept.length * 4 * kept.units.kept.length,
      };
      console.log('VIB + TT report', report);
      assert.ok(accuracy >= 0.8, `held-out accuracy ${accuracy}`);
      assert.ok(last < first, 'loss went down');
      assert.ok(report.keptInputs < features, 'the input bottleneck pruned some inputs');
      assert.ok(report.keptUnits < 8, 'the gate bottlenecks pruned some hidden units');
      const informative = kept.inputs.kept.filter((j) => j < 4).length / 4;
      const noise = kept.inputs.kept.filter((j) => j >= 4).length / 12;
      assert.ok(informative > noise, `kept ${informative * 100}% of informative inputs, ${noise * 100}% of noise`);
      assert.ok(report.projectionCompression > 1);
      assert.equal(report.projectionParams, 1 * 4 * 16 * 3 + 3 * 4 * 2 * 1);
      // Save and load keep the projection (registered by importing this package).
      let saved: tf.io.ModelArtifacts | null = null;
      await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
      assert.ok((loaded.layers[0] as VIBLSTM).cell.projection instanceof TTProjection);
      assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-5, 'loaded VIB+TT model');
      // Compaction (prune): the hard-mask model becomes a plain LSTM whose kernel is the
      // projection's toDense() gathered to the kept inputs and units, with identical predictions.
      setFrozenMask(model, true);
      for (const layer of gatedLayers(model)) for (const gate of layer.vibGates) gate.settings.inferenceMode = 'hard';
      const compacted = compact(model);
      assert.deepEqual(compacted.keptInputs, kept.inputs.kept);
      const keptX = tf.gather(testX, compacted.keptInputs, 2);
      assertClose(compacted.model.predict(keptX) as tf.Tensor, model.predict(testX) as tf.Tensor, 1e-5, 'compact VIB+TT');
      const row = compacted.report.layers[0];
      assert.equal(row.paramsBefore, projection.paramCount() + 8 * 32 + 32, 'report counts the TT cores before');
      assert.equal(row.paramsAfter, lstmParamCount(kept.inputs.kept.length, kept.units.kept.length), 'and the dense kernel after');
      console.log(formatReport(compacted.report));
      trainer.dispose();
    });

    it('VIBGRU accepts a tensor-ring projection instance (TR-GRU)', () => {
      const gru = new VIBGRU({ units: 4, projection: new TRProjection({ inShape: [2, 5], ranks: 2 }), inputShape: [3, 10] });
      const out = gru.apply(tf.ones([2, 3, 10])) as tf.Tensor;
      assert.deepEqual(out.shape, [2, 4]);
      const projection = gru.cell.projection as TRProjection;
      assert.deepEqual(projection.tensorShape.outShape, [3 * 2, 2]);
      const [kernel] = gru.plainWeights();
      assert.deepEqual(kernel.shape, [10, 12]);
    });
  });
}

describe('shrinkVIB and a tensorised projection', () => {
  before(() => useBackend('cpu'));

  it('keeps the layer as it is and says why, rather than skipping it silently', () => {
    const lstm = new VIBLSTM({ units: 4, projection: new TTProjection({ inShape: [2, 4], ranks: 2, seed: 1 }), inputShape: [3, 8] });
    const model = tfl.sequential({ layers: [lstm, tfl.layers.dense({ units: 2 })] });
    const plan = { [lstm.name]: { inputs: [1, 5], units: [2] } };
    const result = shrinkVIB(model, { plan });
    assert.equal(result.changed, false);
    assert.deepEqual(result.skipped.map((s) => s.layer), [lstm.name]);
    assert.match(result.skipped[0].reason, /tensor-train input projection has no dense kernel to slice \(a factorised projection shrinks in place/);
    // Nothing shut: nothing to report.
    assert.deepEqual(shrinkVIB(model, { plan: { [lstm.name]: { inputs: [], units: [] } } }).skipped, []);
    model.dispose();
  });
});
