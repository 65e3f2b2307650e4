import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { useBackend } from '@tfjs-compress/testing';
import {
  compact,
  compressionReport,
  formatReport,
  gruParamCount,
  lstmParamCount,
  recurrentFlopsPerStep,
  recurrentSummary,
  summarizeModel,
} from '../src/index.js';
import { setGate, useHardMasks } from './helpers.js';

describe('parameter and FLOP counting', () => {
  before(() => useBackend('cpu'));

  it("reproduces the paper's VIB-LSTM arithmetic: 177,804 parameters, about 332x", () => {
    assert.equal(lstmParamCount(1312, 33, 'pytorch'), 4 * 33 * (1312 + 33) + 8 * 33);
    assert.equal(lstmParamCount(1312, 33, 'pytorch'), 177_804);
    assert.equal(lstmParamCount(57_600, 256, 'pytorch'), 59_246_592); // the paper's 59.25M
    assert.equal(lstmParamCount(1312, 33), 177_672, 'tfjs: one 4H bias');
    const report = compressionReport(
      [recurrentSummary({ kind: 'lstm', inputs: 57_600, units: 256, timesteps: 8, name: 'lstm' })],
      [recurrentSummary({ kind: 'lstm', inputs: 1312, units: 33, timesteps: 8, name: 'lstm' })],
    );
    assert.equal(report.recurrent.paperParamsAfter, 177_804);
    assert.ok(Math.abs(report.recurrent.paperRatio - 332) < 1.5, `ratio ${report.recurrent.paperRatio}`);
    assert.equal(report.layers[0].flopsBefore, 8 * (2 * 57_600 * 1024 + 2 * 256 * 1024 + 1024));
    const table = formatReport(report);
    assert.match(table, /57,600 -> 1,312/);
    assert.match(table, /177,804/);
  });

  it('GRU counts and argument checks', () => {
    assert.equal(gruParamCount(10, 4), 3 * 4 * 14 + 12);
    assert.equal(gruParamCount(10, 4, 'pytorch'), 3 * 4 * 14 + 24);
    assert.equal(recurrentFlopsPerStep(10, 4, 3, { useBias: false }), 2 * 10 * 12 + 2 * 4 * 12);
    assert.throws(() => lstmParamCount(-1, 3), (e: unknown) => InvalidArgumentError.isInstance(e) && (e as InvalidArgumentError).option === 'inputs');
    assert.throws(() => lstmParamCount(3, 3, 'keras' as never), /biasConvention/);
  });

  it('summarises a VIB model (gate parameters apart) and reports its compaction', () => {
    const lstm = new VIBLSTM({ units: 6, inputBottleneck: true, name: 'lstm' });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [4, 10] }), lstm, tfl.layers.dense({ units: 3, name: 'out' })] });
    const [rnn, dense] = summarizeModel(model);
    assert.equal(rnn.params, lstmParamCount(10, 6));
    assert.equal(rnn.paperParams, lstmParamCount(10, 6, 'pytorch'));
    assert.equal(rnn.gateParams, 2 * (10 + 4 * 6));
    assert.equal(rnn.flops, 4 * recurrentFlopsPerStep(10, 6, 4));
    assert.equal(dense.params, 6 * 3 + 3);
    setGate(lstm.cell.inputGate!, [0, 1, 2, 3]);
    setGate(lstm.cell.gates.o!, [0, 1]);
    useHardMasks(model);
    const result = compact(model);
    const row = result.report.layers.find((r) => r.name === 'lstm')!;
    assert.deepEqual([row.inputsAfter, row.unitsAfter, row.paramsAfter], [6, 4, lstmParamCount(6, 4)]);
    assert.equal(result.report.totals.paramsAfter, lstmParamCount(6, 4) + 4 * 3 + 3);
    assert.ok(result.report.totals.paramRatio > 1);
    assert.match(formatReport(result.report), /lstm\s+VIBLSTM -> LSTM\s+10 -> 6\s+6 -> 4/);
    // Shrunk in place, the layer still reports the sizes it was built with, and compacts to the same model.
    lstm.shrinkInPlace({ inputs: [0, 1, 2, 3], units: [0, 1] });
    const [shrunk] = summarizeModel(model);
    assert.deepEqual([shrunk.params, shrunk.flops, shrunk.weightShapes], [rnn.params, rnn.flops, rnn.weightShapes]);
    const again = compact(model);
    assert.deepEqual(again.report.totals, result.report.totals);
    again.model.dispose();
    result.model.dispose();
    model.dispose();
  });
});
