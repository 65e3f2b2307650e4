import { InvalidArgumentError } from '@tfjs-compress/common';

/** ImageNet channel means (RGB, pixel values scaled to [0, 1]). */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/** ImageNet channel standard deviations (RGB, pixel values scaled to [0, 1]). */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/**
 * How uint8 pixels become floats:
 * - 'imagenet': (v/255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
 * - 'unit': v/255, in [0, 1];
 * - 'none': v as is, in [0, 255];
 * - { mean, std }: (v/255 - mean[c]) / std[c] with your own RGB statistics.
 */
export type Normalization =
  | 'imagenet'
  | 'unit'
  | 'none'
  | { readonly mean: readonly [number, number, number]; readonly std: readonly [number, number, number] };

export const DEFAULT_NORMALIZATION: Normalization = 'imagenet';

/**
 * A 3 x 256 lookup table (channel-major) from byte value to normalised
 * float: one table read per byte instead of arithmetic per pixel.
 */
export function normalizationTable(normalization: Normalization = DEFAULT_NORMALIZATION): Float32Array {
  let mean: readonly number[] = [0, 0, 0];
  let std: readonly number[] = [1, 1, 1];
  let scale = 1 / 255;
  if (normalization === 'imagenet') {
    mean = IMAGENET_MEAN;
    std = IMAGENET_STD;
  } else if (normalization === 'none') {
    scale = 1;
  } else if (normalization !== 'unit') {
    if (normalization == null || typeof normalization !== 'object' || !isTriple(normalization.mean) || !isTriple(normalization.std)
      || normalization.std.some((s) => s <= 0)) {
      throw new InvalidArgumentError('normalization', normalization,
        "'imagenet', 'unit', 'none' or { mean: [r, g, b], std: [r, g, b] } with std > 0");
    }
    mean = normalization.mean;
    std = normalization.std;
  }
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v * scale - mean[c]) / std[c];
  }
  return table;
}

function isTriple(value: unknown): value is readonly [number, number, number] {
  return Array.isArray(value) && value.length === 3 && value.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** Writes normalised floats of interleaved RGB bytes `src` into `dst` at `offset`. */
export function normalizeInto(src: Uint8Array, table: Float32Array, dst: Float32Array, offset = 0): void {
  const n = src.length;
  for (let i = 0; i < n; i += 3) {
    dst[offset + i] = table[src[i]];
    dst[offset + i + 1] = table[256 + src[i + 1]];
    dst[offset + i + 2] = table[512 + src[i + 2]];
  }
}
