import { assertNonNegative, assertOneOf, assertPositiveInteger, InvalidArgumentError, deriveSeed, mulberry32, type Rng } from '@tfjs-compress/common';

/**
 * Motion patterns of the synthetic classes, one per UCF11 class in order.
 * All are symmetric under a horizontal flip (training flips clips, which
 * would merge 'left' with 'right'), and paired patterns have the same
 * per-frame appearance: only the order of frames tells 'down' from 'up' or
 * 'grow' from 'shrink'.
 */
export const SYNTHETIC_MOTIONS = [
  'bounce', // vertical bounce under gravity: fast at the floor, slow at the top
  'horizontal', // constant-speed horizontal motion, either direction, wrapping around
  'down', // constant-speed downward motion, wrapping around
  'orbit', // circle around a centre, either direction
  'gallop', // horizontal motion with a vertical bob
  'oscillate', // vertical sinusoidal oscillation in place
  'pendulum', // swinging arc hanging from a pivot
  'up', // constant-speed upward motion, wrapping around
  'grow', // size ramps up, then restarts (sawtooth)
  'converge', // two objects approach each other horizontally, then restart
  'shrink', // size ramps down, then restarts
] as const;
export type SyntheticMotion = (typeof SYNTHETIC_MOTIONS)[number];

export const SYNTHETIC_DIFFICULTIES = ['easy', 'normal', 'hard'] as const;
/**
 * How hard the clips are to read: object size and contrast, background
 * contrast, pixel noise and distractor objects. The motion (and so the
 * need to look at several frames) is the same at every level.
 */
export type SyntheticDifficulty = (typeof SYNTHETIC_DIFFICULTIES)[number];
export const DEFAULT_SYNTHETIC_DIFFICULTY: SyntheticDifficulty = 'normal';

interface DifficultySettings {
  /** Object radius range, as a share of the shorter side. */
  rMin: number;
  rMax: number;
  /** Share of the group's two background colours' difference that is used. */
  backgroundContrast: number;
  /** How far object colours are pushed away from the background's brightness (0: palette as is). */
  objectContrast: number;
  /** Largest pixel noise amplitude. */
  maxNoise: number;
  maxDistractors: number;
  /** Distractor size relative to the object range. */
  distractorScale: number;
}

const DIFFICULTY: Record<SyntheticDifficulty, DifficultySettings> = {
  easy: { rMin: 0.16, rMax: 0.3, backgroundContrast: 0.25, objectContrast: 0.8, maxNoise: 3, maxDistractors: 0, distractorScale: 0.5 },
  normal: { rMin: 0.12, rMax: 0.25, backgroundContrast: 0.5, objectContrast: 0.5, maxNoise: 6, maxDistractors: 1, distractorScale: 0.6 },
  hard: { rMin: 0.08, rMax: 0.2, backgroundContrast: 1, objectContrast: 0, maxNoise: 12, maxDistractors: 2, distractorScale: 0.8 },
};

export interface SyntheticClipSpec {
  /** Index into SYNTHETIC_MOTIONS (class k uses motion k). */
  classIndex: number;
  /** 0-based group: sets the style (background, palette), shared by every class. */
  group: number;
  /** 0-based clip within the group. */
  clip: number;
  seed: number;
  width: number;
  height: number;
  frames: number;
  /** Default: 'normal'. */
  difficulty?: SyntheticDifficulty;
}

interface Style {
  background: number;
  colorA: number[];
  colorB: number[];
  palette: number[][];
  scale: number;
}

interface Blob {
  x: number;
  y: number;
  r: number;
  color: number[];
  square: boolean;
  /** Re-enter on the opposite edge (translating objects) instead of being cut off. */
  wrap: boolean;
}

const BACKGROUNDS = 6;

/** A group's look: background kind, its colours, and the object palette. */
function styleOf(seed: number, group: number): Style {
  const rng = mulberry32(deriveSeed(seed, 0x57e1e, group));
  const color = (lo: number, hi: number): number[] => [0, 1, 2].map(() => rng.int(lo, hi));
  return {
    background: rng.int(0, BACKGROUNDS - 1),
    colorA: color(0, 255),
    colorB: color(0, 255),
    palette: [color(0, 255), color(0, 255), color(0, 255)],
    scale: 4 + rng.int(0, 12),
  };
}

function renderBackground(style: Style, width: number, height: number, rng: Rng, contrast: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const phase = rng.next();
  const { colorA: a, scale } = style;
  const b = style.colorB.map((v, c) => a[c] + (v - a[c]) * contrast);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let t: number;
      switch (style.background) {
        case 0: t = x / (width - 1 || 1); break; // horizontal gradient
        case 1: t = y / (height - 1 || 1); break; // vertical gradient
        case 2: t = ((Math.floor(x / scale) + Math.floor(y / scale)) & 1) * 0.6 + 0.2; break; // checker
        case 3: t = 0.5 + 0.5 * Math.sin((2 * Math.PI * (x + y)) / (scale * 3) + phase * 6.283); break; // diagonal stripes
        case 4: t = Math.min(1, Math.hypot(x / width - 0.5, y / height - 0.5) * 1.6); break; // radial
        default: t = 0.5 + 0.25 * Math.sin(x / scale + phase * 6.283) + 0.25 * Math.cos(y / (scale * 0.7)); // soft texture
      }
      const i = (y * width + x) * 3;
      out[i] = a[0] + (b[0] - a[0]) * t;
      out[i + 1] = a[1] + (b[1] - a[1]) * t;
      out[i + 2] = a[2] + (b[2] - a[2]) * t;
    }
  }
  return out;
}

const frac = (v: number): number => v - Math.floor(v);

interface ClipPlan {
  background: Uint8Array;
  distractors: (Blob & { dx: number; dy: number })[];
  noise: number;
  noiseRng: Rng;
  /** The moving objects of frame f. */
  objectsAt(f: number): Blob[];
}

function planClip(spec: SyntheticClipSpec): ClipPlan {
  const { classIndex, group, clip, seed, width, height, frames } = spec;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= SYNTHETIC_MOTIONS.length) {
    throw new InvalidArgumentError('classIndex', classIndex, `an integer in [0, ${SYNTHETIC_MOTIONS.length})`);
  }
  assertNonNegative(group, 'group');
  assertNonNegative(clip, 'clip');
  assertPositiveInteger(width, 'width');
  assertPositiveInteger(height, 'height');
  assertPositiveInteger(frames, 'frames');
  const difficulty = spec.difficulty ?? DEFAULT_SYNTHETIC_DIFFICULTY;
  assertOneOf(difficulty, SYNTHETIC_DIFFICULTIES, 'difficulty');
  const level = DIFFICULTY[difficulty];
  const motion = SYNTHETIC_MOTIONS[classIndex];
  const style = styleOf(seed, group);
  const rng = mulberry32(deriveSeed(seed, classIndex, group, clip));
  const background = renderBackground(style, width, height, rng, level.backgroundContrast);
  // Objects are pushed toward black on bright backgrounds and toward white on dark ones.
  let luma = 0;
  for (let i = 0; i < background.length; i += 3) luma += 0.299 * background[i] + 0.587 * background[i + 1] + 0.114 * background[i + 2];
  const away = luma / (background.length / 3) > 128 ? 0 : 255;
  const minSide = Math.min(width, height);
  const pick = (): number[] => style.palette[rng.int(0, style.palette.length - 1)].map((c) => {
    const jittered = Math.max(0, Math.min(255, c + rng.int(-25, 25)));
    return Math.round(jittered + (away - jittered) * level.objectContrast);
  });
  // Sizes are drawn from the same range in every class, and 'grow'/'shrink' sweep exactly that range.
  const rMin = level.rMin * minSide;
  const rMax = level.rMax * minSide;
  const radius = rMin + rng.next() * (rMax - rMin);
  const color = pick();
  const square = rng.chance(0.5);
  // Distance covered in one clip, as a share of the frame: 40% to 90%.
  const travel = 0.4 + 0.5 * rng.next();
  const direction = rng.chance(0.5) ? 1 : -1;
  const phase = rng.next();
  const x0 = rng.next();
  const y0 = rng.next();
  const cycles = 1 + rng.next(); // oscillations per clip
  const noise = rng.int(0, level.maxNoise);
  const distractors = Array.from({ length: rng.int(0, level.maxDistractors) }, () => ({
    x: rng.next(), y: rng.next(), r: (rMin + rng.next() * (rMax - rMin)) * level.distractorScale, color: pick(), square: rng.chance(0.5), wrap: true,
    dx: (rng.next() - 0.5) * 0.01, dy: (rng.next() - 0.5) * 0.01,
  }));
  const noiseRng = mulberry32(deriveSeed(seed, classIndex, group, clip, 0x401));
  const wrap = motion === 'horizontal' || motion === 'down' || motion === 'up' || motion === 'gallop';
  const at = (x: number, y: number, r = radius): Blob => ({ x: x * width, y: y * height, r, color, square, wrap });

  const objectsAt = (f: number): Blob[] => {
    const t = frames > 1 ? f / (frames - 1) : 0; // 0..1 over the clip
    switch (motion) {
      case 'bounce': {
        const floor = 0.7 + 0.1 * y0;
        return [at(0.15 + 0.7 * x0, floor - (0.35 + 0.15 * phase) * Math.abs(Math.sin(Math.PI * (cycles * t + phase))))];
      }
      case 'horizontal': return [at(frac(x0 + direction * travel * t), 0.15 + 0.7 * y0)];
      case 'down': return [at(0.15 + 0.7 * x0, frac(y0 + travel * t))];
      case 'up': return [at(0.15 + 0.7 * x0, frac(y0 - travel * t))];
      case 'orbit': {
        const angle = 2 * Math.PI * (phase + direction * (0.5 + 0.5 * travel) * t);
        const ring = 0.2 + 0.1 * y0;
        return [at(0.5 + (x0 - 0.5) * 0.3 + ring * Math.cos(angle) * (minSide / width), 0.5 + ring * Math.sin(angle) * (minSide / height))];
      }
      case 'gallop':
        return [at(frac(x0 + direction * travel * t), 0.25 + 0.5 * y0 + 0.08 * Math.sin(2 * Math.PI * (3 * t + phase)))];
      case 'oscillate':
        return [at(0.15 + 0.7 * x0, 0.5 + 0.3 * Math.sin(2 * Math.PI * (cycles * t + phase)))];
      case 'pendulum': {
        const swing = 0.9 * Math.sin(2 * Math.PI * (cycles * t + phase));
        const length = 0.55 + 0.2 * y0;
        return [at(0.5 + (x0 - 0.5) * 0.4 + length * Math.sin(swing) * (minSide / width), 0.1 + length * Math.cos(swing) * (minSide / height))];
      }
      case 'grow':
      case 'shrink': {
        const ramp = frac(phase + travel * 1.5 * t);
        return [at(0.2 + 0.6 * x0, 0.2 + 0.6 * y0, rMin + (rMax - rMin) * (motion === 'grow' ? ramp : 1 - ramp))];
      }
      case 'converge': {
        const gap = 0.05 + 0.4 * (1 - frac(phase + travel * 1.5 * t));
        const cx = 0.3 + 0.4 * x0;
        const y = 0.2 + 0.6 * y0;
        return [at(cx - gap, y, radius * 0.8), at(cx + gap, y, radius * 0.8)];
      }
    }
  };
  return { background, distractors, noise, noiseRng, objectsAt };
}

/**
 * Where the moving objects of a synthetic clip are in each frame (pixel
 * centre and radius, before wrapping at the edges): the ground truth the
 * renderer draws, for checking the motion patterns.
 */
export function syntheticTrajectory(spec: SyntheticClipSpec): { x: number; y: number; r: number }[][] {
  const plan = planClip(spec);
  return Array.from({ length: spec.frames }, (_, f) => plan.objectsAt(f).map(({ x, y, r }) => ({ x, y, r })));
}

/**
 * Renders one synthetic clip as raw rgb24 frames ([frames, height, width, 3]).
 * Pure and seeded: the same spec gives the same bytes.
 */
export function renderSyntheticClip(spec: SyntheticClipSpec): Uint8Array {
  const { width, height, frames } = spec;
  const plan = planClip(spec);
  const frameBytes = width * height * 3;
  const out = new Uint8Array(frames * frameBytes);
  for (let f = 0; f < frames; f++) {
    const frame = out.subarray(f * frameBytes, (f + 1) * frameBytes);
    frame.set(plan.background);
    for (const d of plan.distractors) {
      drawBlob(frame, width, height, { ...d, x: frac(d.x + d.dx * f) * width, y: frac(d.y + d.dy * f) * height });
    }
    for (const blob of plan.objectsAt(f)) drawBlob(frame, width, height, blob);
    if (plan.noise > 0) {
      const noise = plan.noise;
      for (let i = 0; i < frameBytes; i++) {
        const v = frame[i] + Math.floor((plan.noiseRng.next() * 2 - 1) * noise);
        frame[i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/** Fills a disc or square, wrapped around the frame edges or cut off at them. */
function drawBlob(frame: Uint8Array, width: number, height: number, blob: Blob): void {
  const r = Math.max(1, blob.r);
  const r2 = r * r;
  const [cr, cg, cb] = blob.color;
  for (let dy = Math.floor(-r); dy <= Math.ceil(r); dy++) {
    for (let dx = Math.floor(-r); dx <= Math.ceil(r); dx++) {
      if (!blob.square && dx * dx + dy * dy > r2) continue;
      let x = Math.round(blob.x + dx);
      let y = Math.round(blob.y + dy);
      if (blob.wrap) {
        x = ((x % width) + width) % width;
        y = ((y % height) + height) % height;
      } else if (x < 0 || x >= width || y < 0 || y >= height) continue;
      const i = (y * width + x) * 3;
      frame[i] = cr;
      frame[i + 1] = cg;
      frame[i + 2] = cb;
    }
  }
}
