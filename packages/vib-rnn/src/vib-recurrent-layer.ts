import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { RNNLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/recurrent.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { type GatedRecurrentLayer, type RecurrentLayout, type SilencePlan, type VIBGate } from '@tfjs-compress/vib';
import { type PrunableLayer } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { DenseProjection } from './dense-projection.js';
import type { InPlaceSlice, RemovalPlan, VIBRecurrentCell, VIBRecurrentCellArgs } from './vib-recurrent-cell.js';

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
export abstract class VIBRecurrentLayer extends tfl.layers.RNN implements PrunableLayer, GatedRecurrentLayer {
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
      const cell = this.cell;
      // Shrunk in place: the loop runs over the live inputs and units only.
      const x = cell.liveInputsOf(list[0]);
      const given = list.length > 1 ? list.slice(1) : (kwargs?.initialState as tf.Tensor[] | undefined);
      const [batch, steps, features] = x.shape;
      const stateCount = Array.isArray(cell.stateSize) ? cell.stateSize.length : 1;
      let states = (given?.map((h) => cell.liveUnitsOf(h)) ?? Array.from({ length: stateCount }, () => tf.zeros([batch, cell.liveUnits]))) as tf.Tensor2D[];
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
      let lastOutput: tf.Tensor2D = tf.zeros([batch, cell.liveUnits]);
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
      const output = cell.allUnitsOf(this.returnSequences ? tf.stack(outputs, 1) : lastOutput);
      return this.returnState ? [output, ...states.map((h) => cell.allUnitsOf(h))] : output;
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

  /** Which input features and hidden units the current masks remove (model-facing indices, removed in place included). */
  prunableUnits(threshold?: number): PrunableUnits {
    return this.cell.prunableUnits(threshold);
  }

  /**
   * Removes input features and hidden units from the weights, in place and
   * during training: same layer, same input and output shapes, smaller
   * kernels; every later step costs less. See `VIBRecurrentCell.shrinkInPlace`.
   * Slice the optimizer's moments with the slices returned.
   */
  shrinkInPlace(plan: RemovalPlan): InPlaceSlice[] {
    return this.cell.shrinkInPlace(plan);
  }

  /** Spreads the weights back to the model-facing sizes (see `VIBRecurrentCell.expandInPlace`). */
  expandInPlace(): void {
    this.cell.expandInPlace();
  }

  /** Input features and hidden units the weights still hold (model-facing indices). */
  get liveIndices(): { inputs: number[] | null; units: number[] | null } {
    return { inputs: this.cell.keptInputs, units: this.cell.keptUnits };
  }

  /** The tfjs built-in cell this layer compacts to and its kernels' column blocks (the contract packages/prune reads). */
  get recurrentLayout(): RecurrentLayout {
    return { kind: this.cell.recurrentKind, gates: this.cell.gateCount, units: this.cell.units };
  }

  /** The input gate, and the gate on each kernel column block in `gateNames` order (null where switched off). */
  recurrentGates(): { input: VIBGate | null; blocks: (VIBGate | null)[] } {
    return { input: this.cell.inputGate, blocks: this.cell.gateNames.map((name) => this.cell.gates[name] ?? null) };
  }

  /**
   * `[kernel, recurrentKernel, bias]` in the layout of the tfjs built-in
   * layer (a tensorised projection is expanded with `toDense()`), at the
   * model-facing sizes: rows and columns removed in place read 0. Caller disposes.
   */
  plainWeights(): tf.Tensor[] {
    const { projection, recurrentKernel, bias } = this.requireCell();
    const width = this.cell.gateCount * this.cell.liveUnits;
    const live = [projection.toDense(), recurrentKernel.read(), bias ? bias.read() : tf.zeros([width])];
    const out = this.cell.spreadToAll(live[0], live[1], live[2]);
    tf.dispose([live[0], ...(bias ? [] : [live[2]])]);
    return out;
  }

  /** Loads `[kernel, recurrentKernel, bias]` taken from the matching tfjs built-in layer (model-facing sizes). */
  setPlainWeights(weights: tf.Tensor[]): void {
    const { projection, recurrentKernel, bias } = this.requireCell();
    if (!(projection instanceof DenseProjection)) {
      throw new InvalidArgumentError('projection', projection.className, "'dense' (convert other projections with their own fromDense)");
    }
    const cell = this.cell;
    const width = cell.gateCount * cell.units;
    const expected = [[cell.inputDim, width], [cell.units, width], [width]];
    const names = ['kernel', 'recurrentKernel', 'bias'];
    weights.slice(0, bias ? 3 : 2).forEach((value, i) => {
      if (value == null || !tf.util.arraysEqual(value.shape, expected[i])) {
        throw new InvalidArgumentError(`weights[${i}] (${names[i]})`, value?.shape ?? null, `shape [${expected[i]}]`);
      }
    });
    if (weights.length < (bias ? 3 : 2)) throw new InvalidArgumentError('weights', `${weights.length} tensors`, `[kernel, recurrentKernel${bias ? ', bias' : ''}]`);
    const targets = [projection.weights[0], recurrentKernel, bias];
    tf.tidy(() => cell.narrowToLive(weights[0], weights[1], weights[2] ?? tf.zeros([width])).forEach((value, i) => targets[i]?.write(value)));
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
