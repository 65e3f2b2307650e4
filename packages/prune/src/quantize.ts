import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, assertOneOf } from '@tfjs-compress/common';

export type QuantizeDtype = 'uint8' | 'uint16' | 'float16';
export const QUANTIZE_DTYPES: readonly QuantizeDtype[] = ['uint8', 'uint16', 'float16'];

export interface QuantizeResult {
  /** Save with any IOHandler (`model.save`'s handlers take artifacts: `handler.save(artifacts)`); `tf.loadLayersModel` dequantizes. */
  artifacts: tf.io.ModelArtifacts;
  /** Weights stored as float16 instead of uint8 / uint16: a few values far outside the rest (see `MAX_STEP_TO_LOWER_QUARTILE`). */
  float16Fallbacks: string[];
  /** Weight bytes before (float32) and after. */
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * uint8 / uint16 give one affine step per tensor. Where that step would be
 * larger than this share of the tensor's lower-quartile nonzero magnitude
 * (a few huge values next to ordinary ones: compact's -1e4 bias that pins a
 * closed gate shut, beside biases below 1), the ordinary values would be
 * lost: such a tensor is stored as float16 instead, where -1e4 is exact and
 * the rest keep 11 significant bits. A Gaussian weight's uint8 step is about
 * a tenth of its lower quartile.
 */
export const MAX_STEP_TO_LOWER_QUARTILE = 0.25;

/** The affine step of `values` under `levels` levels, against its lower-quartile nonzero |v| (at most 65,536 evenly spaced samples). */
function stepTooCoarse(values: Float32Array, levels: number): boolean {
  const stride = Math.max(1, Math.floor(values.length / 65536));
  const sample: number[] = [];
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (i % stride === 0 && v !== 0) sample.push(Math.abs(v));
  }
  if (sample.length === 0) return false;
  sample.sort((a, b) => a - b);
  const lowerQuartile = sample[Math.floor(0.25 * (sample.length - 1))];
  return (max - min) / levels > MAX_STEP_TO_LOWER_QUARTILE * lowerQuartile;
}

/** One weight's float32 values in the quantized encoding, plus the spec entry tfjs decodes it with. */
function encode(values: Float32Array, dtype: QuantizeDtype): { bytes: Uint8Array; quantization: NonNullable<tf.io.WeightsManifestEntry['quantization']> } {
  if (dtype === 'float16') {
    const out = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
    return { bytes: new Uint8Array(out.buffer), quantization: { dtype } };
  }
  const levels = dtype === 'uint8' ? 255 : 65535;
  // The range always holds 0, and is shifted so that 0 falls on a level: a zero weight (a pruned
  // row, a bias at rest) stays exactly 0 after `q * scale + min`, as tfjs's converter does it.
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / levels : 1;
  const zeroLevel = Math.round(-min / scale);
  const nudgedMin = -zeroLevel * scale;
  const out = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.min(levels, Math.max(0, Math.round((values[i] - nudgedMin) / scale)));
  }
  return { bytes: new Uint8Array(out.buffer), quantization: { dtype, scale, min: nudgedMin } };
}

const float32 = new Float32Array(1);
const bits32 = new Uint32Array(float32.buffer);

/** IEEE 754 half-precision bits of `value`, rounded to nearest (ties to even); overflow to infinity, NaN kept. */
export function toFloat16Bits(value: number): number {
  float32[0] = value;
  const x = bits32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or 0): the implicit 1 joins the mantissa, shifted right by 1 - e more places.
    if (e < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa moves into the exponent, which is the right rounding (up to infinity).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
}

/**
 * The model's weights quantized the way tfjs's Python converter writes them,
 * so that plain `tf.loadLayersModel` reads them (it dequantizes on load, in
 * Node and in a browser): uint8 / uint16 affine per tensor (`q * scale +
 * min`, the range nudged so that 0 stays exactly 0) or float16. Every
 * float32 weight is quantized (a tensor with far outliers as float16, see
 * `MAX_STEP_TO_LOWER_QUARTILE`); others are kept. Nothing is written: save
 * `artifacts` with any IOHandler (files: `saveQuantized` from
 * `@tfjs-compress/prune/node`; IndexedDB, http, `tf.io.fromMemory`).
 */
export async function quantize(model: tfl.LayersModel, options: { dtype: QuantizeDtype }): Promise<QuantizeResult> {
  if (options == null || typeof options !== 'object') throw new InvalidArgumentError('options', options, "{dtype: 'uint8' | 'uint16' | 'float16'}");
  assertOneOf(options.dtype, QUANTIZE_DTYPES, 'dtype');
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = saved! as tf.io.ModelArtifacts;
  const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData!);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  const float16Fallbacks: string[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs ?? []) {
    if (spec.dtype === 'string') throw new InvalidArgumentError(`weight '${spec.name}'`, spec.dtype, 'numeric weights (a layers model has no string weights)');
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const byteLength = size * (spec.dtype === 'bool' ? 1 : 4);
    const raw = data.slice(offset, offset + byteLength);
    offset += byteLength;
    if (spec.dtype !== 'float32' || spec.quantization) {
      specs.push(spec);
      chunks.push(new Uint8Array(raw));
      continue;
    }
    const values = new Float32Array(raw);
    const outliers = options.dtype !== 'float16' && stepTooCoarse(values, options.dtype === 'uint8' ? 255 : 65535);
    if (outliers) float16Fallbacks.push(spec.name);
    const { bytes, quantization } = encode(values, outliers ? 'float16' : options.dtype);
    specs.push({ ...spec, quantization });
    chunks.push(bytes);
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    weightData.set(chunk, at);
    at += chunk.byteLength;
  }
  return {
    artifacts: { ...artifacts, weightSpecs: specs, weightData: weightData.buffer },
    float16Fallbacks,
    bytesBefore: data.byteLength,
    bytesAfter: total,
  };
}
