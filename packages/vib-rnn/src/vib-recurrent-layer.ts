import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { RNNLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/recurrent.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { InvalidArgumentError, type HasVIBGates, type SilencePlan, type VIBGate } from '@tfjs-compress/vib';
import { DenseProjection } from './dense-projection.js';
import type { VIBRecurrentCell, VIBRecurrentCellArgs } from './vib-recurrent-cell.js';

/** The driver options of `tf.layers.lstm` / `tf.layers.gru` that these layers support. */
export interface VIBRecurrentLayerArgs
  extends VIBRecurrentCellArgs,
    Pick<RNNLayerArgs, 'returnSequences' | 'returnState' | 'goBackwards' | 'inputShape' | 'batchInputShape' | 'inputDim' | 'inputLength'> {
  /** Not supported: the layers keep no state between calls. */
  stateful?: boolean;
  /** Ignored by tfjs's imperative backend as well; accepted for drop-in compatibility. */
  unroll?: boolean;
}

type PrunableUnits = ReturnType<VIBRecurrentCell['prunableUnits']>;

/**
 * Time loop shared by `VIBLSTM` and `VIBGRU`. Unlike tfjs's `RNN`, it gates
 * and projects the whole sequence with one matMul ([B*T, F] x [F, G*H])
 * before the loop: one kernel-sized gradient instead of one per time step,
 * which is what lets 57,600-input models train inside wasm's 4 GiB heap.
 * Gate noise and dropout masks are drawn once per call, so nothing stale
 * survives between calls.
 */
export abstract class VIBRecurrentLayer extends tfl.layers.RNN implements HasVIBGates {
  declare readonly cell: VIBRecurrentCell;

  constructor(args: VIBRecurrentLayerArgs, cell: VIBRecurrentCell) {
    if (args.stateful) throw new InvalidArgumentError('stateful', args.stateful, 'false (stateful VIB layers are not supported)');
    super({ ...args, cell, stateful: false, unroll: false } as unknown as RNNLayerArgs);
  }

  override apply(
    inputs: tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[],
    kwargs?: Kwargs,
  ): tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[] {
    const first = Array.isArray(inputs) ? inputs[0] : inputs;
    if (first?.shape != null && first.shape.length !== 3) {
      throw new InvalidArgumentError('inputs', first.shape, `a 3D [batch, timeSteps, features] input to ${this.getClassName()}`);
    }
    return super.apply(inputs, kwargs);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const x = list[0];
      const given = list.length > 1 ? list.slice(1) : (kwargs?.initialState as tf.Tensor[] | undefined);
      const [batch, steps, features] = x.shape;
      const cell = this.cell;
      const stateCount = Array.isArray(cell.stateSize) ? cell.stateSize.length : 1;
      let states = (given ?? Array.from({ length: stateCount }, () => tf.zeros([batch, cell.units]))) as tf.Tensor2D[];
      if (states.length !== stateCount) {
        throw new InvalidArgumentError('initialState', `${states.length} tensors`, `${stateCount} state tensors`);
      }
      const context = cell.prepare(batch, kwargs?.training === true);
      const gated = cell.gateInputs(x, context);
      const projected = cell.projectRows(tf.reshape(gated, [batch * steps, features]));
      const perStep = tf.unstack(tf.reshape(projected, [batch, steps, -1]), 1) as tf.Tensor2D[];
      const mask = kwargs?.mask as tf.Tensor | undefined;
      const stepMasks = mask ? tf.unstack(tf.expandDims(tf.cast(mask, 'bool'), -1), 1) : null;

      const order = [...perStep.keys()];
      if (this.goBackwards) order.reverse();
      const outputs: tf.Tensor2D[] = [];
      let lastOutput: tf.Tensor2D = tf.zeros([batch, cell.units]);
      for (const t of order) {
        const [output, ...next] = cell.stepProjected(perStep[t], states, context);
        if (stepMasks) {
          // Masked steps carry the previous output and states forward, as tfjs's rnn() does.
          const keep = stepMasks[t];
          lastOutput = tf.where(keep, output, lastOutput);
          states = next.map((s, i) => tf.where(keep, s, states[i])) as tf.Tensor2D[];
        } else {
          lastOutput = output;
          states = next;
        }
        outputs.push(lastOutput);
      }
      const output = this.returnSequences ? tf.stack(outputs, 1) : lastOutput;
      return this.returnState ? [output, ...states] : output;
    });
  }

  /**
   * The layer's own losses plus the cell's (KL terms and weight
   * regularizers), which tfjs's RNN does not forward. Overriding this rather
   * than the `losses` getter keeps `addLoss` on the layer working.
   */
  override calculateLosses(): tf.Scalar[] {
    return [...super.calculateLosses(), ...this.cell.calculateLosses()];
  }

  get units(): number {
    return this.cell.units;
  }

  get vibGates(): VIBGate[] {
    return this.cell.vibGates;
  }

  setFrozenMask(frozen: boolean): void {
    this.cell.setFrozenMask(frozen);
  }

  setKlFac(klFac: number): void {
    this.cell.setKlFac(klFac);
  }

  /**
   * Holds input features (through the input gate) and hidden units (through
   * every gate's bottleneck) at 0 from now on: the model computes what
   * `shrinkVIB` removing them would, at full size. See `VIBGate.silence`.
   */
  silence(plan: SilencePlan): void {
    this.cell.silence(plan);
  }

  resetNoise(): void {
    this.cell.resetNoise();
  }

  noisePositions(): number[] {
    return this.cell.noisePositions();
  }

  seekNoise(positions: number[]): void {
    this.cell.seekNoise(positions);
  }

  /** Which input features and hidden units the current masks remove. */
  prunableUnits(threshold?: number): PrunableUnits {
    return this.cell.prunableUnits(threshold);
  }

  /**
   * `[kernel, recurrentKernel, bias]` in the layout of the tfjs built-in
   * layer (a tensorised projection is expanded with `toDense()`). Caller disposes.
   */
  plainWeights(): tf.Tensor[] {
    const { projection, recurrentKernel, bias } = this.requireCell();
    const width = this.cell.gateCount * this.cell.units;
    return [projection.toDense(), tf.clone(recurrentKernel.read()), bias ? tf.clone(bias.read()) : tf.zeros([width])];
  }

  /** Loads `[kernel, recurrentKernel, bias]` taken from the matching tfjs built-in layer. */
  setPlainWeights(weights: tf.Tensor[]): void {
    const { projection, recurrentKernel, bias } = this.requireCell();
    if (!(projection instanceof DenseProjection)) {
      throw new InvalidArgumentError('projection', projection.className, "'dense' (convert other projections with their own fromDense)");
    }
    const [kernel, recurrent, biasValue] = weights;
    const expected = [projection.weights[0], recurrentKernel, bias];
    [kernel, recurrent, biasValue].forEach((value, i) => {
      const target = expected[i];
      if (target == null) return;
      if (value == null || !tf.util.arraysEqual(value.shape, target.shape as number[])) {
        const names = ['kernel', 'recurrentKernel', 'bias'];
        throw new InvalidArgumentError(`weights[${i}] (${names[i]})`, value?.shape ?? null, `shape [${target.shape}]`);
      }
      target.write(value);
    });
  }

  private requireCell() {
    const { projection, recurrentKernel, bias } = this.cell;
    if (recurrentKernel == null) throw new Error(`${this.getClassName()} '${this.name}' is not built yet.`);
    return { projection, recurrentKernel, bias };
  }

  override getConfig(): tf.serialization.ConfigDict {
    const base = super.getConfig();
    delete base.cell;
    const cellConfig = this.cell.getConfig();
    for (const key of ['name', 'trainable', 'dtype', 'batchInputShape']) delete cellConfig[key];
    return { ...base, ...cellConfig };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}
