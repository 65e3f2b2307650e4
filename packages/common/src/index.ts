export { InvalidArgumentError } from './errors.js';
export {
  assertBoolean,
  assertFiniteNumber,
  assertNonNegative,
  assertOneOf,
  assertPositive,
  assertPositiveInteger,
  assertRate,
} from './validation.js';
export { deriveSeed, mulberry32, seededRandom, shuffled, type Rng } from './seeded-random.js';
