import { RandomConvFeatures } from './random-conv-features.js';
import { SYMMETRIC_NORMALIZATION, type FrameFeatureExtractor, type Normalization } from './frame-feature-extractor.js';
import { loadFeatureExtractor } from './load-feature-extractor.js';
import { RANDOM_EXTRACTOR, type CnnLstmTrainOptions, type NormalizationChoice } from './options.js';

export function normalizationOf(choice: NormalizationChoice): Normalization {
  return choice === 'symmetric' ? SYMMETRIC_NORMALIZATION : choice;
}

type ExtractorOptions = Pick<CnnLstmTrainOptions, 'extractor' | 'extractorOutput' | 'inputSize' | 'normalization' | 'featureSize' | 'extractorSeed' | 'poolGrid'>;

/** The run's frame feature extractor: the built-in random-conv one, or a user's tfjs model. */
export async function extractorFromOptions(o: ExtractorOptions): Promise<FrameFeatureExtractor> {
  const normalization = normalizationOf(o.normalization);
  if (o.extractor === RANDOM_EXTRACTOR) {
    const [inputHeight, inputWidth] = o.inputSize ?? [undefined, undefined];
    return new RandomConvFeatures({ seed: o.extractorSeed, featureSize: o.featureSize, inputHeight, inputWidth, normalization, poolGrid: o.poolGrid });
  }
  return loadFeatureExtractor({ source: o.extractor, output: o.extractorOutput, inputSize: o.inputSize, normalization });
}
