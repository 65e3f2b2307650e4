import { InvalidArgumentError } from '@tfjs-compress/common';

/** Order (number of cores) used when neither `inShape` nor `outShape` is given. Default: 3. */
export const DEFAULT_ORDER = 3;

export function product(values: readonly number[]): number {
  let p = 1;
  for (const v of values) p *= v;
  return p;
}

function primeFactors(n: number): number[] {
  const primes: number[] = [];
  let rest = n;
  for (let f = 2; f * f <= rest; f++) {
    while (rest % f === 0) {
      primes.push(f);
      rest /= f;
    }
  }
  if (rest > 1) primes.push(rest);
  return primes;
}

/**
 * Splits `size` into `order` integer factors whose product is `size`, as
 * balanced as possible. Rule: take the prime factors from largest to
 * smallest and multiply each into the currently smallest factor (ties: the
 * leftmost); return the factors sorted from largest to smallest. A prime
 * size yields `[size, 1, ..., 1]`.
 *
 * Example: `factorize(57600, 4)` is `[20, 20, 12, 12]`, `factorize(256, 4)` is `[4, 4, 4, 4]`.
 */
export function factorize(size: number, order: number): number[] {
  if (!Number.isInteger(size) || size <= 0) throw new InvalidArgumentError('size', size, 'a positive integer');
  if (!Number.isInteger(order) || order <= 0) throw new InvalidArgumentError('order', order, 'a positive integer');
  const factors = new Array<number>(order).fill(1);
  for (const p of primeFactors(size).reverse()) {
    let smallest = 0;
    for (let i = 1; i < order; i++) if (factors[i] < factors[smallest]) smallest = i;
    factors[smallest] *= p;
  }
  return factors.sort((a, b) => b - a);
}

/** Checks a factorisation given by the user (positive integers, product equal to `size` when known). */
export function validateShape(shape: unknown, option: string, size?: number): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((v) => Number.isInteger(v) && v > 0)) {
    throw new InvalidArgumentError(option, shape, 'a non-empty array of positive integers');
  }
  const values = [...(shape as number[])];
  if (size != null && product(values) !== size) {
    throw new InvalidArgumentError(
      option,
      shape,
      `factors whose product equals ${size} (their product is ${product(values)})`,
    );
  }
  return values;
}

/**
 * Resolves the input and output factorisations of a [inputSize, outputSize]
 * matrix. Missing shapes are made with `factorize` using the order of the
 * shape that was given (or `order`); both must have the same length.
 * `leadingFactor` multiplies the first output factor after factorising
 * `outputSize / leadingFactor` (used to fold the gates of a recurrent kernel).
 */
export function resolveShapes(
  inputSize: number,
  outputSize: number,
  inShape: readonly number[] | undefined | null,
  outShape: readonly number[] | undefined | null,
  order: number | undefined | null,
  leadingFactor = 1,
): { inShape: number[]; outShape: number[] } {
  const d = order ?? inShape?.length ?? outShape?.length ?? DEFAULT_ORDER;
  if (!Number.isInteger(d) || d <= 0) throw new InvalidArgumentError('order', order, 'a positive integer');
  const ins = inShape != null ? validateShape(inShape, 'inShape', inputSize) : factorize(inputSize, d);
  let outs: number[];
  if (outShape != null) {
    outs = validateShape(outShape, 'outShape', outputSize);
  } else if (leadingFactor > 1 && outputSize % leadingFactor === 0) {
    outs = factorize(outputSize / leadingFactor, ins.length);
    outs[0] *= leadingFactor;
  } else {
    outs = factorize(outputSize, ins.length);
  }
  if (ins.length !== outs.length) {
    throw new InvalidArgumentError(
      'outShape',
      outs,
      `as many factors as inShape (${ins.length}: [${ins.join(', ')}])`,
    );
  }
  if (order != null && ins.length !== order) {
    throw new InvalidArgumentError('order', order, `the length of inShape (${ins.length})`);
  }
  return { inShape: ins, outShape: outs };
}
