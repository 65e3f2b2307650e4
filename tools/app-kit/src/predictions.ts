/** One class of a classifier's answer. */
export interface Prediction {
  className: string;
  label: number;
  probability: number;
}

/** The `k` most probable classes, best first (ties keep label order). */
export function topPredictions(probabilities: ArrayLike<number>, classes: readonly string[], k: number): Prediction[] {
  return Array.from(probabilities, (probability, label) => ({ className: classes[label], label, probability }))
    .sort((a, b) => b.probability - a.probability || a.label - b.label)
    .slice(0, Math.min(k, classes.length));
}
