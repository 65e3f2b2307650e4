import { InvalidArgumentError, seededRandom } from '@tfjs-compress/common';

/**
 * Holds out `fraction` of the training clips of every class (at least one
 * per class with two or more clips) for validation, seeded: the accuracy
 * budget judges on them, so the test clips stay unseen until the end.
 */
export function carveValidation<C extends { label: number }>(clips: readonly C[], fraction: number, seed: number): { train: C[]; validation: C[] } {
  if (!(fraction > 0 && fraction < 1)) throw new InvalidArgumentError('validationFraction', fraction, 'a fraction in (0, 1)');
  const random = seededRandom(seed + 104_729);
  const byClass = new Map<number, C[]>();
  for (const clip of clips) (byClass.get(clip.label) ?? byClass.set(clip.label, []).get(clip.label)!).push(clip);
  const held = new Set<C>();
  for (const members of byClass.values()) {
    if (members.length < 2) continue;
    const order = members.map((clip) => ({ clip, key: random() })).sort((a, b) => a.key - b.key);
    const count = Math.min(members.length - 1, Math.max(1, Math.round(fraction * members.length)));
    for (const { clip } of order.slice(0, count)) held.add(clip);
  }
  return { train: clips.filter((c) => !held.has(c)), validation: clips.filter((c) => held.has(c)) };
}

/** The majority class's share of `labels` (what always guessing it scores), 0 for none. */
export function majorityShare(labels: readonly number[]): number {
  if (labels.length === 0) return 0;
  const counts = new Map<number, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return Math.max(...counts.values()) / labels.length;
}
