import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLSTM, type InputProjection, type ProjectionBuildContext } from '@tfjs-compress/vib-rnn';
import { assertClose, useBackend } from '@tfjs-compress/testing';
import { compact, recurrentFlopsPerStep } from '../src/index.js';
import { compactAndReport } from '../src/node.js';
import { inputBatch, randomizeWeights, setGate, useHardMasks, assertCompactMatches } from './helpers.js';

/** A rank-r factorised projection U [F, r] V [r, G*H], standing in for the tensor-train/ring ones. */
class LowRankProjection implements InputProjection {
  readonly className = 'test_low_rank';
  private u: tfl.LayerVariable | null = null;
  private v: tfl.LayerVariable | null = null;
  private dims = [0, 0];
  constructor(private readonly rank: number) {}
  build(inputDim: number, outputDim: number, context: ProjectionBuildContext): void {
    this.dims = [inputDim, outputDim];
    this.u = context.addWeight('lr_u', [inputDim, this.rank], context.kernelInitializer);
    this.v = context.addWeight('lr_v', [this.rank, outputDim], context.kernelInitializer);
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(tf.matMul(x, this.u!.read() as tf.Tensor2D), this.v!.read() as tf.Tensor2D);
  }
  toDense(): tf.Tensor2D {
    return tf.matMul(this.u!.read() as tf.Tensor2D, this.v!.read() as tf.Tensor2D);
  }
  paramCount(): number {
    return this.rank * (this.dims[0] + this.dims[1]);
  }
  flopsPerRow(): number {
    return 2 * this.rank * (this.dims[0] + this.dims[1]);
  }
  get weights(): tfl.LayerVariable[] {
    return [this.u!, this.v!];
  }
  getConfig(): tf.serialization.ConfigDict {
    return { rank: this.rank };
  }
}

describe('compact with a factorised input projection', () => {
  before(() => useBackend('cpu'));

  it('expands the projection into a dense LSTM kernel; the report counts the factors before', async () => {
    const lstm = new VIBLSTM({ units: 5, inputBottleneck: true, projection: new LowRankProjection(2), name: 'lstm' });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [3, 9] }), lstm, tfl.layers.dense({ units: 2, name: 'out' })] });
    randomizeWeights(model, 23);
    setGate(lstm.cell.inputGate!, [0, 8]);
    setGate(lstm.cell.gates.o!, [4]);
    useHardMasks(model);
    const lines: string[] = [];
    const result = await compactAndReport(model, { log: (t) => lines.push(t) });
    assert.match(lines[0], /kept 7 input features/);
    assert.match(result.table, /lstm\s+VIBLSTM -> LSTM/);
    assert.deepEqual(result.model.getLayer('lstm').getWeights().map((w) => w.shape), [[7, 16], [4, 16], [16]]);
    const row = result.report.layers.find((r) => r.name === 'lstm')!;
    assert.equal(row.paramsBefore, 2 * (9 + 20) + 5 * 20 + 20);
    assert.equal(row.flopsBefore, 3 * recurrentFlopsPerStep(9, 5, 4, { projectionFlops: 2 * 2 * (9 + 20) }));
    const x = inputBatch(2, 3, 9, 3);
    assertCompactMatches(model, result, x, 'low-rank VIB LSTM vs compact');
    result.model.dispose();
    model.dispose();
  });

  it('handles variable-length sequences (time axis null)', () => {
    const lstm = new VIBLSTM({ units: 4, name: 'lstm' });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [null, 3] as never }), lstm, tfl.layers.dense({ units: 2 })] });
    randomizeWeights(model, 29);
    setGate(lstm.cell.gates.i!, [1]);
    useHardMasks(model);
    const result = compact(model, { timesteps: 6 });
    assert.equal(result.report.timesteps, 6);
    for (const steps of [2, 7]) {
      const x = inputBatch(2, steps, 3, steps);
      const expected = model.predict(x) as tf.Tensor;
      const got = result.model.predict(x) as tf.Tensor;
      assertClose(got, expected, 1e-5, `T = ${steps}`);
      tf.dispose([x, expected, got]);
    }
    result.model.dispose();
    model.dispose();
  });
});
