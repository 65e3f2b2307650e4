import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers.js';
import type { Constraint } from '@tensorflow/tfjs-layers/dist/constraints.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { NoiseStream, VIBGate, defaultLogDInitializer, defaultMuInitializer, resolveGateSettings, type RecurrentKind, type SilencePlan, type VIBGateArgs, type VIBGateSettings } from '@tfjs-compress/vib';
import { gateConfig, offsetSeed, resolveConstraint, resolveInitializer, resolveRegularizer, serializeObject, resizeVariable, selectColumns, sliceVariable, sliceWeight, spreadColumns, spreadMap, spreadWeight, type AxisIndices, type ConstraintSpec, type InitializerSpec, type RegularizerSpec } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError, assertBoolean, assertNonNegative, assertPositiveInteger, assertRate } from '@tfjs-compress/common';
import { resolveActivation } from './activations.js';
import { afterRemoval, assertLiveList, gateColumns, range, spreadGateColumns } from './live-indices.js';
import { createProjection, serializeProjection, type InputProjection, type ProjectionSpec } from './projection.js';
import './dense-projection.js';

export const RECURRENT_DEFAULT_ACTIVATION = 'tanh';
/** Porting note: tfjs defaults to hardSigmoid; the paper (PyTorch) and Keras 2 use sigmoid. */
export const DEFAULT_RECURRENT_ACTIVATION = 'sigmoid';
export const DEFAULT_KERNEL_INITIALIZER = 'glorotUniform';
/**
 * Porting note: tfjs defaults to 'orthogonal', whose QR takes over 80 s for a
 * 256 x 1024 kernel on the cpu backend (measured with tfjs 4.22); pass 'orthogonal'
 * explicitly to get it.
 */
export const DEFAULT_RECURRENT_INITIALIZER = 'glorotUniform';
export const DEFAULT_BIAS_INITIALIZER = 'zeros';
export const DEFAULT_PROJECTION = 'dense';

export interface VIBRecurrentCellArgs extends LayerArgs, VIBGateArgs {
  /** Hidden units H, a positive integer. Required. */
  units: number;
  /** Activation of the candidate and the output. Default: 'tanh'. */
  activation?: string;
  /** Activation of the sigmoid-like gates. Default: 'sigmoid' (tfjs's own layers default to 'hardSigmoid'). */
  recurrentActivation?: string;
  /** Whether the cell has a bias vector. Default: true. */
  useBias?: boolean;
  /** Initializer of the dense input kernel. Default: 'glorotUniform' (seeded from `seed` when given). */
  kernelInitializer?: InitializerSpec;
  /** Initializer of the recurrent kernel. Default: 'glorotUniform' (see DEFAULT_RECURRENT_INITIALIZER). */
  recurrentInitializer?: InitializerSpec;
  /** Initializer of the bias. Default: 'zeros'. */
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec;
  recurrentRegularizer?: RegularizerSpec;
  biasRegularizer?: RegularizerSpec;
  kernelConstraint?: ConstraintSpec;
  recurrentConstraint?: ConstraintSpec;
  biasConstraint?: ConstraintSpec;
  /** Fraction of input features dropped while training, in [0, 1). One mask per sequence, shared by all gates. Default: 0. */
  dropout?: number;
  /** Fraction of the recurrent state dropped while training, in [0, 1). One mask per gate and sequence. Default: 0. */
  recurrentDropout?: number;
  /** A VIB gate on the input features (prunes W_ih columns). Default: false. */
  inputBottleneck?: boolean;
  /** VIB gates on the gates listed (names as in `gateNames`), or all (true) or none (false). Default: true. */
  gateBottleneck?: boolean | string[];
  /** The input-to-hidden map: a registered name, `{className, config}` or an instance. Default: 'dense'. */
  projection?: ProjectionSpec;
  /** Seed of the gate noise, dropout masks and default initializers. Default: unseeded. */
  seed?: number;
  /**
   * Input features the kernel still has rows for after `shrinkInPlace`,
   * ascending (null: all). Written by `getConfig`, so a shrunk layer saves and
   * loads; not an option to set by hand.
   */
  keptInputs?: number[] | null;
  /** Hidden units the weights still hold after `shrinkInPlace`, ascending (null: all). See `keptInputs`. */
  keptUnits?: number[] | null;
}

/** A weight `shrinkInPlace` sliced, and how: optimizer moments and weight copies of it shrink the same way. */
export interface InPlaceSlice {
  variable: tfl.LayerVariable;
  indices: AxisIndices;
}

/** Input features and hidden units to remove, by their model-facing index. */
export interface RemovalPlan {
  inputs?: readonly number[];
  units?: readonly number[];
}

/** Per-call randomness and factors, drawn once and reused by every time step. */
export interface StepContext {
  training: boolean;
  /** [B, F] while training, [F] at inference, null without an input bottleneck. */
  inputFactor: tf.Tensor | null;
  /** One per gate (in `gateNames` order): [B, H], [H] or null when that gate has no bottleneck. */
  gateFactors: Array<tf.Tensor | null>;
  /** [B, F] inverted-dropout mask of the inputs, or null. */
  inputDropMask: tf.Tensor | null;
  /** One [B, H] mask per gate on the recurrent state, or null. */
  recurrentDropMasks: tf.Tensor[] | null;
  /**
   * Column blocks of the recurrent kernel by `${firstGate}:${gateCount}`,
   * sliced once per call: a slice per step copies the kernel every step
   * (64 MB at 2,048 units) and defeats the wasm matMul's cache of packed
   * weights. A block covering every gate is the kernel itself.
   */
  recurrentKernels: Map<string, tf.Tensor2D>;
}

/**
 * What LSTM and GRU cells share: options, the input projection, the recurrent
 * kernel and bias, the VIB gates and the dropout masks. Subclasses supply the
 * per-step math on an already projected input (`stepProjected`) and the rule
 * for which hidden units the masks remove.
 *
 * Weights are created in `build` in a fixed order: the projection's (for the
 * dense default, `kernel` [F, G*H]), `recurrent_kernel` [H, G*H], `bias`
 * [G*H], then the gates' `*vib_mu` / `*vib_log_d`. The first three match the
 * tfjs built-in cells, so `getWeights()` starts with their weights.
 */
export abstract class VIBRecurrentCell extends tfl.layers.RNNCell {
  /** Gate names in kernel-block order. */
  abstract readonly gateNames: readonly string[];
  /** The tfjs built-in cell this one computes with hard 0/1 gates (its `recurrentLayout`, read by packages/prune). */
  abstract readonly recurrentKind: RecurrentKind;
  abstract override readonly stateSize: number | number[];

  readonly units: number;
  readonly activationName: string;
  readonly recurrentActivationName: string;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly inputBottleneck: boolean;
  readonly bottleneckGates: string[];
  readonly settings: VIBGateSettings;
  readonly seed: number | undefined;
  readonly projection: InputProjection;

  protected readonly activationFn: (x: tf.Tensor) => tf.Tensor;
  protected readonly recurrentActivationFn: (x: tf.Tensor) => tf.Tensor;
  private readonly kernelInitializer: Initializer;
  private readonly recurrentInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer?: Regularizer;
  private readonly recurrentRegularizer?: Regularizer;
  private readonly biasRegularizer?: Regularizer;
  private readonly kernelConstraint?: Constraint;
  private readonly recurrentConstraint?: Constraint;
  private readonly biasConstraint?: Constraint;
  private readonly muInitializer: Initializer;
  private readonly logDInitializer: Initializer;
  private readonly noise: NoiseStream;
  private readonly dropoutNoise: NoiseStream;

  inputDim = 0;
  /** See `VIBRecurrentCellArgs.keptInputs`; `liveInputs` is their count. */
  keptInputs: number[] | null;
  keptUnits: number[] | null;
  recurrentKernel: tfl.LayerVariable | null = null;
  bias: tfl.LayerVariable | null = null;
  inputGate: VIBGate | null = null;
  /** Gate bottlenecks by gate name (null where switched off). */
  gates: Record<string, VIBGate | null> = {};

  constructor(args: VIBRecurrentCellArgs, gateNames: readonly string[]) {
    super(args);
    assertPositiveInteger(args.units, 'units');
    this.units = args.units;
    this.activationName = args.activation ?? RECURRENT_DEFAULT_ACTIVATION;
    this.recurrentActivationName = args.recurrentActivation ?? DEFAULT_RECURRENT_ACTIVATION;
    this.activationFn = resolveActivation(this.activationName, 'activation');
    this.recurrentActivationFn = resolveActivation(this.recurrentActivationName, 'recurrentActivation');
    this.useBias = args.useBias ?? true;
    assertBoolean(this.useBias, 'useBias');
    this.dropout = args.dropout ?? 0;
    this.recurrentDropout = args.recurrentDropout ?? 0;
    assertRate(this.dropout, 'dropout');
    assertRate(this.recurrentDropout, 'recurrentDropout');
    this.inputBottleneck = args.inputBottleneck ?? false;
    assertBoolean(this.inputBottleneck, 'inputBottleneck');
    this.bottleneckGates = resolveBottleneckGates(args.gateBottleneck ?? true, gateNames);
    this.settings = resolveGateSettings(args);
    this.seed = args.seed ?? undefined;
    this.keptInputs = args.keptInputs ?? null;
    this.keptUnits = args.keptUnits ?? null;

    const seeded = (offset: number) => offsetSeed(this.seed, offset);
    this.kernelInitializer =
      resolveInitializer(args.kernelInitializer, 'kernelInitializer') ?? tfl.initializers.glorotUniform({ seed: seeded(1) });
    this.recurrentInitializer =
      resolveInitializer(args.recurrentInitializer, 'recurrentInitializer') ??
      tfl.initializers.glorotUniform({ seed: seeded(2) });
    this.biasInitializer = resolveInitializer(args.biasInitializer ?? DEFAULT_BIAS_INITIALIZER, 'biasInitializer')!;
    this.kernelRegularizer = resolveRegularizer(args.kernelRegularizer, 'kernelRegularizer');
    this.recurrentRegularizer = resolveRegularizer(args.recurrentRegularizer, 'recurrentRegularizer');
    this.biasRegularizer = resolveRegularizer(args.biasRegularizer, 'biasRegularizer');
    this.kernelConstraint = resolveConstraint(args.kernelConstraint, 'kernelConstraint');
    this.recurrentConstraint = resolveConstraint(args.recurrentConstraint, 'recurrentConstraint');
    this.biasConstraint = resolveConstraint(args.biasConstraint, 'biasConstraint');
    this.muInitializer = resolveInitializer(args.muInitializer, 'muInitializer') ?? defaultMuInitializer(seeded(3));
    this.logDInitializer = resolveInitializer(args.logDInitializer, 'logDInitializer') ?? defaultLogDInitializer(seeded(4));
    this.noise = new NoiseStream(seeded(5));
    this.dropoutNoise = new NoiseStream(seeded(6));
    this.projection = createProjection(args.projection ?? DEFAULT_PROJECTION);
  }

  /** Number of gate blocks in the kernels (4 for LSTM, 3 for GRU). */
  get gateCount(): number {
    return this.gateNames.length;
  }

  /** Input features the kernel has rows for (`inputDim` until `shrinkInPlace` removes some). */
  get liveInputs(): number {
    return this.keptInputs?.length ?? this.inputDim;
  }

  /** Hidden units the weights hold (`units` until `shrinkInPlace` removes some). */
  get liveUnits(): number {
    return this.keptUnits?.length ?? this.units;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inputDim = shape[shape.length - 1];
    if (inputDim == null) {
      throw new InvalidArgumentError('input shape', shape, 'a defined feature size in the last axis');
    }
    this.inputDim = inputDim;
    if (this.keptInputs) assertLiveList(this.keptInputs, inputDim, 'keptInputs');
    if (this.keptUnits) assertLiveList(this.keptUnits, this.units, 'keptUnits');
    const units = this.liveUnits;
    const width = this.gateCount * units;
    this.projection.build(this.liveInputs, width, {
      addWeight: (name, weightShape, initializer, regularizer, constraint) =>
        this.addWeight(name, weightShape, 'float32', initializer, regularizer, true, constraint),
      kernelInitializer: this.kernelInitializer,
      kernelRegularizer: this.kernelRegularizer,
      kernelConstraint: this.kernelConstraint,
      gates: this.gateCount,
      units,
    });
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [units, width],
      'float32',
      this.recurrentInitializer,
      this.recurrentRegularizer,
      true,
      this.recurrentConstraint,
    );
    this.bias = this.useBias
      ? this.addWeight('bias', [width], 'float32', this.biasInitializer, this.biasRegularizer, true, this.biasConstraint)
      : null;
    const addGateWeight = (name: string, weightShape: number[], initializer: Initializer, trainable: boolean) =>
      this.addWeight(name, weightShape, 'float32', initializer, undefined, trainable);
    const makeGate = (size: number, prefix: string) =>
      new VIBGate(size, prefix, addGateWeight, this.muInitializer, this.logDInitializer, this.settings, this.noise);
    this.inputGate = this.inputBottleneck ? makeGate(inputDim, 'input_') : null;
    this.gates = {};
    for (const name of this.gateNames) {
      this.gates[name] = this.bottleneckGates.includes(name) ? makeGate(this.units, `${name}_gate_`) : null;
    }
    this.addLoss(() => this.gateLoss());
    this.built = true;
    // The gates stay full size (their masks keep the model-facing numbering): hold what is gone at 0.
    this.silence({
      inputs: this.keptInputs ? afterRemoval(range(inputDim), this.keptInputs).live : [],
      units: this.keptUnits ? afterRemoval(range(this.units), this.keptUnits).live : [],
    });
  }

  /** Every VIB gate of the cell, input gate first. */
  get vibGates(): VIBGate[] {
    return this.inputGate ? [this.inputGate, ...this.gateBottlenecks] : this.gateBottlenecks;
  }

  /** The bottlenecks on the LSTM / GRU gates, in `gateNames` order (no input gate). */
  private get gateBottlenecks(): VIBGate[] {
    return this.gateNames.map((name) => this.gates[name]).filter((g): g is VIBGate => g != null);
  }

  /** klFac * KL summed over the cell's gates. */
  gateLoss(): tf.Scalar {
    return tf.tidy(() => this.vibGates.reduce<tf.Scalar>((sum, gate) => tf.add(sum, gate.loss()), tf.scalar(0)));
  }

  setFrozenMask(frozen: boolean): void {
    for (const gate of this.vibGates) gate.setFrozenMask(frozen, this);
    this.settings.frozenMask = frozen;
  }

  setKlFac(klFac: number): void {
    assertNonNegative(klFac, 'klFac');
    this.settings.klFac = klFac;
  }

  /** See `VIBRecurrentLayer.silence`. */
  silence(plan: SilencePlan): void {
    this.requireBuilt();
    if (plan.inputs?.length) {
      if (this.inputGate == null) throw new InvalidArgumentError('silence plan inputs', plan.inputs, 'none: this layer has no input bottleneck');
      this.inputGate.silence(plan.inputs);
    }
    if (plan.units?.length) {
      const gates = this.gateBottlenecks;
      if (gates.length === 0) throw new InvalidArgumentError('silence plan units', plan.units, 'none: this layer has no gate bottlenecks');
      for (const gate of gates) gate.silence(plan.units);
    }
  }

  /** Restarts the seeded gate-noise and dropout streams (reproducible calls, gradient checks). */
  resetNoise(): void {
    this.noise.reset();
    this.dropoutNoise.reset();
  }

  /** Gate-noise and dropout stream positions (for a checkpoint). */
  noisePositions(): number[] {
    return [this.noise.position, this.dropoutNoise.position];
  }

  seekNoise(positions: number[]): void {
    this.noise.seek(positions[0]);
    this.dropoutNoise.seek(positions[1]);
  }

  /** Draws the per-call gate factors and dropout masks. Caller disposes. */
  prepare(batch: number, training: boolean): StepContext {
    const dropMask = (rate: number, shape: number[]) =>
      tf.tidy(() => {
        const uniform = this.dropoutNoise.uniform(shape);
        return tf.div(tf.cast(tf.greaterEqual(uniform, rate), 'float32'), 1 - rate);
      });
    const useInputDropout = training && this.dropout > 0;
    const useRecurrentDropout = training && this.recurrentDropout > 0;
    // Drawn at full size and then narrowed to the live features and units: the streams
    // give a layer shrunk in place what the same layer with them silenced draws.
    const liveInputsOf = (t: tf.Tensor | null) => t && this.liveInputsOf(t);
    const liveUnitsOf = (t: tf.Tensor | null) => t && this.liveUnitsOf(t);
    const factorOf = (gate: VIBGate | null, live: number[] | null) =>
      gate == null ? null : live ? gate.liveFactor(training, batch, live) : gate.factor(training, batch);
    return {
      training,
      inputFactor: factorOf(this.inputGate, this.keptInputs),
      gateFactors: this.gateNames.map((name) => factorOf(this.gates[name], this.keptUnits)),
      inputDropMask: useInputDropout ? liveInputsOf(dropMask(this.dropout, [batch, this.inputDim])) : null,
      recurrentDropMasks: useRecurrentDropout
        ? this.gateNames.map(() => liveUnitsOf(dropMask(this.recurrentDropout, [batch, this.units]))!)
        : null,
      recurrentKernels: this.sliceRecurrentKernel(useRecurrentDropout ? this.gateNames.map((_, g) => [g]) : this.recurrentGroups()),
    };
  }

  /** Gate index groups whose recurrent products a step takes together. Default: all gates at once. */
  protected recurrentGroups(): number[][] {
    return [this.gateNames.map((_, g) => g)];
  }

  private sliceRecurrentKernel(groups: number[][]): Map<string, tf.Tensor2D> {
    const kernel = this.requireBuilt().recurrentKernel;
    const H = this.liveUnits;
    const blocks = new Map<string, tf.Tensor2D>();
    for (const group of groups) {
      const block = group.length === this.gateNames.length ? kernel : (tf.slice(kernel, [0, group[0] * H], [H, group.length * H]) as tf.Tensor2D);
      blocks.set(`${group[0]}:${group.length}`, block);
    }
    return blocks;
  }

  private recurrentKernelBlock(context: StepContext, first: number, count: number): tf.Tensor2D {
    const block = context.recurrentKernels.get(`${first}:${count}`);
    if (block == null) throw new Error(`${this.getClassName()}: no recurrent kernel block ${first}:${count} (recurrentGroups() must list it).`);
    return block;
  }

  /** Input gate and input dropout applied to x [B, F] or [B, T, F]. */
  gateInputs(x: tf.Tensor, context: StepContext): tf.Tensor {
    return tf.tidy(() => {
      let gated = x;
      const broadcast = (factor: tf.Tensor) =>
        x.rank === 3 && factor.rank === 2 ? tf.expandDims(factor, 1) : factor;
      if (context.inputFactor) gated = tf.mul(gated, broadcast(context.inputFactor));
      if (context.inputDropMask) gated = tf.mul(gated, broadcast(context.inputDropMask));
      return gated;
    });
  }

  /** Projection plus bias for rows of gated inputs: [N, F] -> [N, G*H]. */
  projectRows(rows: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const projected = this.projection.apply(rows);
      return this.bias ? tf.add(projected, this.bias.read()) : projected;
    });
  }

  /**
   * One time step from the projected input `xp` [B, G*H] (bias included) and
   * the states. Returns `[output, ...newStates]`.
   */
  abstract stepProjected(xp: tf.Tensor2D, states: tf.Tensor2D[], context: StepContext): tf.Tensor2D[];

  /** Whether hidden unit k is removed, given the gates' 0/1 masks by gate name (absent gate: all ones). */
  protected abstract unitRemoved(masks: Record<string, Float32Array | null>, k: number): boolean;

  /**
   * Standalone step, as `tf.layers.rnn` calls a cell: inputs `[x_t, ...states]`.
   * Gate noise and dropout masks are drawn per call here; the `VIBLSTM` /
   * `VIBGRU` layers draw them once per sequence and project all steps at once.
   */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor[] {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const [x, ...states] = list;
      if (x.rank !== 2) throw new InvalidArgumentError('inputs', x.shape, 'a [batch, features] step input');
      const context = this.prepare(x.shape[0], kwargs?.training === true);
      const xp = this.projectRows(this.gateInputs(this.liveInputsOf(x), context) as tf.Tensor2D);
      const out = this.stepProjected(xp, states.map((h) => this.liveUnitsOf(h)) as tf.Tensor2D[], context);
      return out.map((h) => this.allUnitsOf(h));
    });
  }

  /** x [..., inputDim] narrowed to the live input features (x itself when none is gone). */
  liveInputsOf(x: tf.Tensor): tf.Tensor {
    return this.keptInputs ? selectColumns(x, this.keptInputs, this.inputDim) : x;
  }

  /** A state or output [..., units] narrowed to the live units. */
  liveUnitsOf(h: tf.Tensor): tf.Tensor {
    return this.keptUnits ? selectColumns(h, this.keptUnits, this.units) : h;
  }

  /** A state or output [..., liveUnits] spread to all units: a removed unit reads 0, as it does silenced. */
  allUnitsOf(h: tf.Tensor): tf.Tensor {
    return this.keptUnits ? spreadColumns(h, this.keptUnits, this.units) : h;
  }

  /**
   * Removes input features and hidden units in place: the same layer object
   * and the same variables (by name) with fewer kernel rows and gate columns.
   * The layer's input and output widths do not change: it reads the live
   * inputs only and writes 0 for a removed unit. The gates stay full size and
   * hold what is removed silenced (`silence`), so the layer computes, noise
   * and dropout included, what it computed with them silenced. Indices are
   * model-facing; ones already removed are ignored. Returns how each weight
   * was sliced (for optimizer moments and weight copies; empty when nothing
   * changed). The projection must offer `sliceInPlace`.
   */
  shrinkInPlace(plan: RemovalPlan): InPlaceSlice[] {
    this.requireBuilt();
    const inputs = afterRemoval(this.keptInputs ?? range(this.inputDim), plan.inputs ?? []);
    const units = afterRemoval(this.keptUnits ?? range(this.units), plan.units ?? []);
    const oldInputs = this.liveInputs;
    const oldUnits = this.liveUnits;
    if (inputs.live.length === oldInputs && units.live.length === oldUnits) return [];
    if (units.live.length === 0) throw new InvalidArgumentError('plan.units', `all ${oldUnits} live units`, 'at least one unit left (compact removes a dead layer)');
    if (inputs.live.length === 0) throw new InvalidArgumentError('plan.inputs', `all ${oldInputs} live inputs`, 'at least one input feature left');
    if (this.projection.sliceInPlace == null) {
      throw new InvalidArgumentError('projection', this.projection.className, "a projection with sliceInPlace (dense, or the tensor package's tensor-train and tensor-ring projections); silence the units instead");
    }
    this.silence({ inputs: [...(plan.inputs ?? [])], units: [...(plan.units ?? [])] });
    const rows = inputs.live.length === oldInputs ? null : inputs.positions;
    const unitRows = units.live.length === oldUnits ? null : units.positions;
    const columns = unitRows && gateColumns(unitRows, this.gateCount, oldUnits);
    const own: InPlaceSlice[] = [{ variable: this.recurrentKernel!, indices: [unitRows, columns] }];
    if (this.bias) own.push({ variable: this.bias, indices: [columns] });
    for (const { variable, indices } of own) sliceVariable(variable, indices);
    const slices = [...this.projection.sliceInPlace(rows, columns), ...own];
    this.keptInputs = inputs.live.length === this.inputDim ? null : inputs.live;
    this.keptUnits = units.live.length === this.units ? null : units.live;
    return slices;
  }

  /**
   * Undoes the in-place removal of rows and columns: the weights back at the
   * model-facing sizes, removed rows and columns 0, the gates still holding
   * the removed silenced. The layer computes what it computed (a model saved
   * from here needs no `keptInputs` / `keptUnits`; its removed units read as
   * pruned from their gate weights). For a model leaving training at full size.
   */
  expandInPlace(): void {
    this.requireBuilt();
    if (this.keptInputs == null && this.keptUnits == null) return;
    if (this.projection.spreadInPlace == null) throw new Error(`${this.getClassName()}: the projection cannot be spread back`);
    const columns = this.keptUnits ? spreadGateColumns(this.keptUnits, this.units, this.gateCount) : null;
    const units = this.keptUnits ? spreadMap(this.keptUnits, this.units) : null;
    const rows = this.keptInputs ? spreadMap(this.keptInputs, this.inputDim) : null;
    this.projection.spreadInPlace(rows, columns);
    const own: Array<[tfl.LayerVariable | null, Array<number[] | null>]> = [
      [this.recurrentKernel, [units, columns]],
      [this.bias, [columns]],
    ];
    for (const [variable, maps] of own) {
      if (variable == null) continue;
      const spread = spreadWeight(variable.read(), maps);
      resizeVariable(variable, spread);
      spread.dispose();
    }
    this.keptInputs = null;
    this.keptUnits = null;
  }

  /** The cell's heavy weights `[kernel, recurrentKernel, bias]` spread to the model-facing sizes (removed rows and columns read 0). */
  spreadToAll(kernel: tf.Tensor, recurrent: tf.Tensor, bias: tf.Tensor): tf.Tensor[] {
    const columns = this.keptUnits ? spreadGateColumns(this.keptUnits, this.units, this.gateCount) : null;
    const units = this.keptUnits ? spreadMap(this.keptUnits, this.units) : null;
    const rows = this.keptInputs ? spreadMap(this.keptInputs, this.inputDim) : null;
    return [spreadWeight(kernel, [rows, columns]), spreadWeight(recurrent, [units, columns]), spreadWeight(bias, [columns])];
  }

  /** Model-facing `[kernel, recurrentKernel, bias]` narrowed to the live rows and columns. */
  narrowToLive(kernel: tf.Tensor, recurrent: tf.Tensor, bias: tf.Tensor): tf.Tensor[] {
    const units = this.keptUnits;
    const columns = units ? gateColumns(units, this.gateCount, this.units) : null;
    return [sliceWeight(kernel, [this.keptInputs, columns]), sliceWeight(recurrent, [units, columns]), sliceWeight(bias, [columns])];
  }

  /** The recurrent contribution h U for each gate block, honouring recurrent dropout. */
  protected recurrentBlocks(h: tf.Tensor2D, context: StepContext, gateIndices: number[]): tf.Tensor2D[] {
    if (!context.recurrentDropMasks) {
      const product = tf.matMul(h, this.recurrentKernelBlock(context, gateIndices[0], gateIndices.length));
      // tfjs's gradient of a split into one piece fails (its tape hands concat a lone tensor).
      if (gateIndices.length === 1) return [product as tf.Tensor2D];
      return tf.split(product, gateIndices.length, 1) as tf.Tensor2D[];
    }
    const masks = context.recurrentDropMasks;
    return gateIndices.map((g) => tf.matMul(tf.mul(h, masks[g]) as tf.Tensor2D, this.recurrentKernelBlock(context, g, 1)));
  }

  protected requireBuilt(): { recurrentKernel: tf.Tensor2D } {
    if (this.recurrentKernel == null) throw new Error(`${this.getClassName()} '${this.name}' is not built yet.`);
    return { recurrentKernel: this.recurrentKernel.read() as tf.Tensor2D };
  }

  /** Which input features and hidden units the current masks remove. */
  prunableUnits(threshold = this.settings.threshold): {
    inputs: { kept: number[]; removed: number[] };
    units: { kept: number[]; removed: number[] };
  } {
    this.requireBuilt();
    const split = (count: number, removed: (k: number) => boolean) => {
      const kept: number[] = [];
      const gone: number[] = [];
      for (let k = 0; k < count; k++) (removed(k) ? gone : kept).push(k);
      return { kept, removed: gone };
    };
    const readMask = (gate: VIBGate | null) =>
      gate ? tf.tidy(() => gate.mask(threshold).dataSync() as Float32Array) : null;
    const inputMask = readMask(this.inputGate);
    const masks: Record<string, Float32Array | null> = {};
    for (const name of this.gateNames) masks[name] = readMask(this.gates[name]);
    return {
      inputs: split(this.inputDim, (j) => inputMask != null && inputMask[j] === 0),
      units: split(this.units, (k) => this.unitRemoved(masks, k)),
    };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activationName,
      recurrentActivation: this.recurrentActivationName,
      useBias: this.useBias,
      kernelInitializer: serializeObject(this.kernelInitializer),
      recurrentInitializer: serializeObject(this.recurrentInitializer),
      biasInitializer: serializeObject(this.biasInitializer),
      kernelRegularizer: serializeObject(this.kernelRegularizer),
      recurrentRegularizer: serializeObject(this.recurrentRegularizer),
      biasRegularizer: serializeObject(this.biasRegularizer),
      kernelConstraint: serializeObject(this.kernelConstraint),
      recurrentConstraint: serializeObject(this.recurrentConstraint),
      biasConstraint: serializeObject(this.biasConstraint),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      inputBottleneck: this.inputBottleneck,
      gateBottleneck: [...this.bottleneckGates],
      projection: serializeProjection(this.projection) as unknown as tf.serialization.ConfigDict,
      ...(this.keptInputs ? { keptInputs: [...this.keptInputs] } : {}),
      ...(this.keptUnits ? { keptUnits: [...this.keptUnits] } : {}),
      ...gateConfig(this.settings, this.muInitializer, this.logDInitializer, this.seed),
    };
  }
}

function resolveBottleneckGates(spec: boolean | string[], gateNames: readonly string[]): string[] {
  if (spec === true) return [...gateNames];
  if (spec === false) return [];
  if (!Array.isArray(spec) || spec.some((g) => !gateNames.includes(g))) {
    throw new InvalidArgumentError('gateBottleneck', spec, `true, false or a list of gate names from ${gateNames.join(', ')}`);
  }
  return [...spec];
}

