import type * as tfl from '@tensorflow/tfjs-layers';
import { RECURRENT_KIND_GATES, isGateWeight } from '@tfjs-compress/vib';
import { InvalidArgumentError, assertPositiveInteger } from '@tfjs-compress/common';
import './builtin-rules.js';
import { recurrentFlopsPerStep, recurrentParamCount } from './counting.js';
import { ruleForLayer, type RuleLayerKind } from './layer-rules.js';
import { builtInRecurrentClass } from './recurrent-layout.js';

/** What a layer is to the report (its rule's `count` says; 'other' without one). */
export type LayerKind = RuleLayerKind;

/** One layer's size: what `compressionReport` compares. */
export interface LayerSummary {
  name: string;
  className: string;
  kind: LayerKind;
  /** Features read (last axis of the input), when known. */
  inputs: number | null;
  /** Features written (last axis of the output), when known. */
  units: number | null;
  /** Inference parameters in the tfjs layout (VIB gate mu/logD excluded: they are training-only). */
  params: number;
  /** Recurrent layers counted with the paper's (PyTorch's) two biases; equal to `params` otherwise. */
  paperParams: number;
  /** VIB gate parameters (mu and logD), dropped by compaction. */
  gateParams: number;
  /** FLOPs per sequence (a multiply-add is 2 FLOPs; see `recurrentFlopsPerStep`). */
  flops: number;
  weightShapes: number[][];
}

export interface LayerComparison {
  name: string;
  classNameBefore: string | null;
  classNameAfter: string | null;
  kindBefore: LayerKind | null;
  kindAfter: LayerKind | null;
  inputsBefore: number | null;
  inputsAfter: number | null;
  unitsBefore: number | null;
  unitsAfter: number | null;
  paramsBefore: number;
  paramsAfter: number;
  paperParamsBefore: number;
  paperParamsAfter: number;
  flopsBefore: number;
  flopsAfter: number;
  weightShapesBefore: number[][];
  weightShapesAfter: number[][];
}

export interface CompressionReport {
  layers: LayerComparison[];
  totals: { paramsBefore: number; paramsAfter: number; paramRatio: number; flopsBefore: number; flopsAfter: number; flopRatio: number };
  /** Recurrent layers only (LSTM, GRU, SimpleRNN, Bidirectional ones), in both bias conventions (`paper*` = two biases per gate row). */
  recurrent: {
    paramsBefore: number;
    paramsAfter: number;
    ratio: number;
    paperParamsBefore: number;
    paperParamsAfter: number;
    paperRatio: number;
  };
  timesteps: number;
  conventions: { params: string; paperParams: string; flops: string };
}

export interface SummaryOptions {
  /** Sequence length for FLOPs per sequence when the model's input shape leaves it open. Default: the input shape's, else 1. */
  timesteps?: number;
}

export const CONVENTIONS = {
  params: 'tfjs weights (one bias of G*H per recurrent layer); VIB gate parameters excluded',
  paperParams: 'recurrent layers with two biases (2*G*H, PyTorch and the paper), e.g. 4H(F+H) + 8H for an LSTM',
  flops:
    'per sequence; multiply-add = 2 FLOPs; matmuls, bias adds, VIB factors and batch-norm scale/shift counted, gate nonlinearities not',
} as const;

function lastDim(shape: unknown): number | null {
  if (!Array.isArray(shape) || shape.length === 0) return null;
  const value = shape[shape.length - 1];
  return typeof value === 'number' ? value : null;
}

function layerInputShape(layer: tfl.layers.Layer): (number | null)[] | null {
  try {
    const input = layer.input as tfl.SymbolicTensor | tfl.SymbolicTensor[];
    return (Array.isArray(input) ? input[0] : input).shape;
  } catch {
    return null;
  }
}

function layerOutputShape(layer: tfl.layers.Layer): (number | null)[] | null {
  try {
    const output = layer.output as tfl.SymbolicTensor | tfl.SymbolicTensor[];
    return (Array.isArray(output) ? output[0] : output).shape;
  } catch {
    return null;
  }
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Sizes of one layer; `timesteps` rows per sequence for 3-D inputs. The
 * layer's rule (`registerLayerRule`) gives its kind, FLOPs and the paper's
 * parameter count; without one, its weights are counted and its FLOPs are 0.
 */
export function summarizeLayer(layer: tfl.layers.Layer, timesteps: number): LayerSummary {
  const className = layer.getClassName();
  const inputShape = layerInputShape(layer);
  const outputShape = layerOutputShape(layer);
  const rows = inputShape != null && inputShape.length >= 3 ? timesteps * inputShape.slice(2, -1).reduce<number>((a, b) => a * (b ?? 1), 1) : 1;
  const weights = layer.weights;
  const weightShapes = weights.filter((w) => !isGateWeight(w)).map((w) => [...(w.shape as number[])]);
  const params = weightShapes.reduce((sum, shape) => sum + size(shape), 0);
  const gateParams = weights.filter((w) => isGateWeight(w)).reduce((sum, w) => sum + size(w.shape as number[]), 0);
  const inputs = lastDim(inputShape);
  const units = lastDim(outputShape);
  const counts = ruleForLayer(layer)?.count?.(layer, { inputShape, outputShape, timesteps, rows, inputs, units, weightShapes, params }) ?? {};
  const counted = counts.params ?? params;
  return {
    name: layer.name,
    className,
    kind: counts.kind ?? 'other',
    inputs,
    units: counts.units !== undefined ? counts.units : units,
    params: counted,
    paperParams: counts.paperParams ?? counted,
    gateParams,
    flops: counts.flops ?? 0,
    weightShapes: counts.weightShapes ?? weightShapes,
  };
}

/** Sequence length used for FLOPs: the option, else the model input's time axis, else 1. */
export function resolveTimesteps(model: tfl.LayersModel | null, timesteps?: number): number {
  if (timesteps != null) {
    assertPositiveInteger(timesteps, 'timesteps');
    return timesteps;
  }
  const shape = model?.inputs[0]?.shape;
  const t = shape != null && shape.length >= 3 ? shape[1] : null;
  if (typeof t === 'number') return t;
  // Token ids [batch, T]: the time axis of the first sequence a layer outputs (an Embedding's [batch, T, E]).
  for (const layer of model?.layers ?? []) {
    const out = layerOutputShape(layer);
    if (out != null && out.length >= 3 && typeof out[1] === 'number') return out[1];
  }
  return 1;
}

/** Per-layer sizes of a model (input layer excluded). */
export function summarizeModel(model: tfl.LayersModel, options: SummaryOptions = {}): LayerSummary[] {
  const timesteps = resolveTimesteps(model, options.timesteps);
  return model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => summarizeLayer(l, timesteps));
}

/**
 * Summary of an LSTM or GRU from its sizes alone, for arithmetic on models too
 * large to build (e.g. the paper's 57,600-input LSTM).
 */
export function recurrentSummary(args: {
  kind: 'lstm' | 'gru';
  inputs: number;
  units: number;
  name?: string;
  timesteps?: number;
  useBias?: boolean;
}): LayerSummary {
  if (args.kind !== 'lstm' && args.kind !== 'gru') throw new InvalidArgumentError('kind', args.kind, "'lstm' or 'gru'");
  const gates = RECURRENT_KIND_GATES[args.kind];
  const useBias = args.useBias ?? true;
  const timesteps = args.timesteps ?? 1;
  assertPositiveInteger(timesteps, 'timesteps');
  const { inputs: F, units: H } = args;
  const bias = useBias ? 'tfjs' : 'none';
  return {
    name: args.name ?? args.kind,
    className: builtInRecurrentClass(args.kind),
    kind: args.kind,
    inputs: F,
    units: H,
    params: recurrentParamCount(F, H, gates, bias),
    paperParams: recurrentParamCount(F, H, gates, useBias ? 'pytorch' : 'none'),
    gateParams: 0,
    flops: timesteps * recurrentFlopsPerStep(F, H, gates, { useBias }),
    weightShapes: useBias ? [[F, gates * H], [H, gates * H], [gates * H]] : [[F, gates * H], [H, gates * H]],
  };
}

const RECURRENT_KINDS = new Set<LayerKind>(['lstm', 'gru', 'rnn']);

const ratio = (a: number, b: number) => (b === 0 ? Infinity : a / b);

/**
 * Compares two models (or layer summaries) layer by layer, matching by layer
 * name: compaction keeps the names, and VIB layers it removes show 0 after.
 */
export function compressionReport(
  before: tfl.LayersModel | LayerSummary[],
  after: tfl.LayersModel | LayerSummary[],
  options: SummaryOptions = {},
): CompressionReport {
  const timesteps = resolveTimesteps(Array.isArray(before) ? null : before, options.timesteps);
  const summarize = (m: tfl.LayersModel | LayerSummary[]) => (Array.isArray(m) ? m : summarizeModel(m, { timesteps }));
  const b = summarize(before);
  const a = summarize(after);
  const byName = new Map(a.map((s) => [s.name, s]));
  const rows: LayerComparison[] = [];
  const pair = (x: LayerSummary | undefined, y: LayerSummary | undefined): LayerComparison => ({
    name: (x ?? y)!.name,
    classNameBefore: x?.className ?? null,
    classNameAfter: y?.className ?? null,
    kindBefore: x?.kind ?? null,
    kindAfter: y?.kind ?? null,
    inputsBefore: x?.inputs ?? null,
    inputsAfter: y?.inputs ?? null,
    unitsBefore: x?.units ?? null,
    unitsAfter: y?.units ?? null,
    paramsBefore: x?.params ?? 0,
    paramsAfter: y?.params ?? 0,
    paperParamsBefore: x?.paperParams ?? 0,
    paperParamsAfter: y?.paperParams ?? 0,
    flopsBefore: x?.flops ?? 0,
    flopsAfter: y?.flops ?? 0,
    weightShapesBefore: x?.weightShapes ?? [],
    weightShapesAfter: y?.weightShapes ?? [],
  });
  for (const x of b) {
    rows.push(pair(x, byName.get(x.name)));
    byName.delete(x.name);
  }
  for (const y of byName.values()) rows.push(pair(undefined, y));
  const sum = (key: keyof LayerComparison, filter: (r: LayerComparison) => boolean = () => true) =>
    rows.filter(filter).reduce((s, r) => s + (r[key] as number), 0);
  const isRecurrent = (r: LayerComparison) => [r.kindBefore, r.kindAfter].some((k) => k != null && RECURRENT_KINDS.has(k));
  const totals = {
    paramsBefore: sum('paramsBefore'),
    paramsAfter: sum('paramsAfter'),
    paramRatio: 0,
    flopsBefore: sum('flopsBefore'),
    flopsAfter: sum('flopsAfter'),
    flopRatio: 0,
  };
  totals.paramRatio = ratio(totals.paramsBefore, totals.paramsAfter);
  totals.flopRatio = ratio(totals.flopsBefore, totals.flopsAfter);
  const recurrent = {
    paramsBefore: sum('paramsBefore', isRecurrent),
    paramsAfter: sum('paramsAfter', isRecurrent),
    ratio: 0,
    paperParamsBefore: sum('paperParamsBefore', isRecurrent),
    paperParamsAfter: sum('paperParamsAfter', isRecurrent),
    paperRatio: 0,
  };
  recurrent.ratio = ratio(recurrent.paramsBefore, recurrent.paramsAfter);
  recurrent.paperRatio = ratio(recurrent.paperParamsBefore, recurrent.paperParamsAfter);
  return { layers: rows, totals, recurrent, timesteps, conventions: { ...CONVENTIONS } };
}

const fmt = (v: number | null) => (v == null ? '-' : v.toLocaleString('en-US'));
const fmtRatio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}x` : 'inf');

/** The report as a fixed-width text table (per layer, totals, conventions). */
export function formatReport(report: CompressionReport): string {
  const header = ['layer', 'class', 'inputs', 'units', 'params', 'FLOPs/seq'];
  const arrow = (x: number | null, y: number | null) => `${fmt(x)} -> ${fmt(y)}`;
  const body = report.layers.map((r) => [
    r.name,
    `${r.classNameBefore ?? '-'} -> ${r.classNameAfter ?? 'removed'}`,
    arrow(r.inputsBefore, r.inputsAfter),
    arrow(r.unitsBefore, r.unitsAfter),
    arrow(r.paramsBefore, r.paramsAfter),
    arrow(r.flopsBefore, r.flopsAfter),
  ]);
  const t = report.totals;
  body.push(['total', '', '', '', `${arrow(t.paramsBefore, t.paramsAfter)} (${fmtRatio(t.paramRatio)})`, `${arrow(t.flopsBefore, t.flopsAfter)} (${fmtRatio(t.flopRatio)})`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const rec = report.recurrent;
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    `recurrent params: ${arrow(rec.paramsBefore, rec.paramsAfter)} (${fmtRatio(rec.ratio)}, tfjs one bias); ` +
      `${arrow(rec.paperParamsBefore, rec.paperParamsAfter)} (${fmtRatio(rec.paperRatio)}, paper two biases)`,
    `FLOPs: ${report.conventions.flops}; ${report.timesteps} time steps per sequence`,
  ].join('\n');
}
