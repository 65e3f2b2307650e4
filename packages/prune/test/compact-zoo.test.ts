import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import type { CompactResult } from '../src/index.js';
import { assertCompactReproduces } from './helpers.js';
import { F, T, VOCABULARY, biGruTagger, bidirectional, embeddingLstm, gruRegressor, residual, tagger, twoInputs, type ZooModel } from './zoo.js';

const shapes = (model: tfl.LayersModel, name: string) => model.getLayer(name).getWeights().map((w) => w.shape);

/** Compacts a zoo model and checks what every compaction must give (`assertCompactReproduces`), then `inspect`. */
async function check(zoo: ZooModel, what: string, inspect: (result: CompactResult) => void): Promise<void> {
  const result = await assertCompactReproduces(zoo.model, zoo.inputs(), what);
  inspect(result);
  [result.model, zoo.model].forEach((m) => m.dispose());
}

for (const backend of TEST_BACKENDS) {
  describe(`compact: the model zoo (${backend})`, () => {
    before(() => useBackend(backend));

    it('Embedding -> VIBLSTM -> Dense: pruned LSTM inputs leave the embedding table', async () => {
      await check(embeddingLstm(), 'embedding', (result) => {
        assert.deepEqual(shapes(result.model, 'embed'), [[VOCABULARY, 4]]);
        assert.deepEqual(shapes(result.model, 'lstm'), [[4, 16], [4, 16], [16]]);
        assert.deepEqual(result.keptInputs, [0, 1, 2, 3, 4], 'token ids are read whole');
        assert.deepEqual(result.keptInputsPerInput, [[0, 1, 2, 3, 4]]);
        const row = result.report.layers.find((r) => r.name === 'embed')!;
        assert.deepEqual([row.paramsBefore, row.paramsAfter, row.kindBefore], [VOCABULARY * 6, VOCABULARY * 4, 'embedding']);
        assert.equal(result.report.timesteps, T, 'the time axis of the embedding output');
      });
    });

    it("Bidirectional(VIBLSTM) 'concat': each direction keeps its own units, the smaller padded", async () => {
      await check(bidirectional('concat'), 'bidirectional concat', (result) => {
        // Forward keeps 0, 2, 4; backward 2, 3, 4 (unit 0 and 1 pruned): 3 each, nothing to pad.
        assert.deepEqual(result.layers.find((l) => l.name === 'bi')?.keptUnits, [0, 2, 4, 5 + 2, 5 + 3, 5 + 4]);
        assert.deepEqual(shapes(result.model, 'bi'), [[5, 12], [3, 12], [12], [5, 12], [3, 12], [12]]);
        assert.deepEqual(result.keptInputs, [1, 2, 3, 4, 5], 'input 0 is pruned on both sides, 5 only backward');
        assert.deepEqual(shapes(result.model, 'out'), [[6, 3], [3]]);
        const row = result.report.layers.find((r) => r.name === 'bi')!;
        assert.equal(row.kindAfter, 'lstm');
        assert.ok(result.report.recurrent.paramsAfter < result.report.recurrent.paramsBefore);
      });
    });

    it("Bidirectional(VIBLSTM) 'concat' with every forward unit pruned: the backward direction still carries the input", async () => {
      await check(bidirectional('concat', 'lstm', true), 'bidirectional, dead forward', (result) => {
        // The forward direction is padded with pruned units (they compute exactly 0) to the backward's 3.
        assert.deepEqual(result.layers.find((l) => l.name === 'bi')?.keptUnits, [0, 1, 2, 5 + 2, 5 + 3, 5 + 4]);
        assert.deepEqual(shapes(result.model, 'out'), [[6, 3], [3]]);
      });
    });

    for (const mode of ['sum', 'mul'] as const) {
      it(`Bidirectional(VIBGRU) '${mode}': a unit kept on either side is kept on both`, async () => {
        await check(bidirectional(mode, 'gru'), `bidirectional ${mode}`, (result) => {
          // GRU candidate pruned: forward 1, 3; backward 0, 1. Unit 1 goes; 0 and 3 stay on both sides.
          assert.deepEqual(result.layers.find((l) => l.name === 'bi')?.keptUnits, [0, 2, 3, 4]);
          assert.deepEqual(shapes(result.model, 'bi').map((s) => s.at(-1)), [12, 12, 12, 12, 12, 12]);
          assert.deepEqual(shapes(result.model, 'out'), [[4, 3], [3]]);
        });
      });
    }

    it('VIBLSTM(returnSequences) -> TimeDistributed(Dense)', async () => {
      await check(tagger(), 'tagger', (result) => {
        assert.deepEqual(shapes(result.model, 'lstm'), [[5, 16], [4, 16], [16]]);
        assert.deepEqual(shapes(result.model, 'td'), [[4, 4], [4]]);
        assert.equal(result.model.getLayer('td').getClassName(), 'TimeDistributed');
      });
    });

    it('Embedding -> Bidirectional(VIBGRU) x2 -> TimeDistributed(Dense): a two-layer BiGRU tagger', async () => {
      await check(biGruTagger(), 'bigru tagger', (result) => {
        assert.deepEqual(shapes(result.model, 'embed'), [[VOCABULARY, 4]], 'dimension 3 pruned by both directions');
        // Layer 1: forward keeps 0, 1, 3; backward 1, 3 padded with pruned unit 0.
        assert.deepEqual(result.layers.find((l) => l.name === 'bi1')?.keptUnits, [0, 1, 3, 4 + 0, 4 + 1, 4 + 3]);
      });
    });

    it('two inputs (text + numbers) joined by Concatenate: prepareInputs gathers each', async () => {
      await check(twoInputs(), 'two inputs', (result) => {
        assert.deepEqual(result.keptInputsPerInput, [[0, 1, 2, 3, 4], [0, 1, 3]]);
        assert.deepEqual(shapes(result.model, 'embed'), [[VOCABULARY, 3]]);
        assert.deepEqual(shapes(result.model, 'numeric'), [[3, 3], [3]]);
        assert.deepEqual(shapes(result.model, 'out'), [[6, 2], [2]], 'LSTM units 1 and 3 leave the head');
        assert.deepEqual(result.model.inputs.map((i) => i.shape), [[null, T], [null, 3]]);
      });
    });

    it('a residual Add around a recurrent block: a unit leaves only where pruned on both sides', async () => {
      await check(residual(), 'residual', (result) => {
        // Pruned in both: 0 and 4. Unit 2 (pruned in lstm1 only) and 3 (lstm2 only) stay on both sides.
        assert.deepEqual(result.layers.find((l) => l.name === 'lstm1')?.keptUnits, [1, 2, 3, 5]);
        assert.deepEqual(result.layers.find((l) => l.name === 'lstm2')?.keptUnits, [1, 2, 3, 5]);
        assert.deepEqual(shapes(result.model, 'lstm1')[0], [F - 1, 16]);
        assert.deepEqual(shapes(result.model, 'gru')[0], [4, 9]);
      });
    });

    it('stacked VIBGRU regressor with a linear output', async () => {
      await check(gruRegressor(), 'regressor', (result) => {
        assert.deepEqual(result.keptInputs, [0, 2, 4, 5]);
        assert.deepEqual(shapes(result.model, 'gru1'), [[4, 12], [4, 12], [12]]);
        // gru2 does not read gru1's unit 0 (its input gate), which still feeds gru1's own recurrence: a zero row.
        assert.deepEqual(shapes(result.model, 'gru2'), [[4, 9], [3, 9], [9]]);
        assert.deepEqual(shapes(result.model, 'forecast'), [[3, 1], [1]]);
      });
    });
  });
}
