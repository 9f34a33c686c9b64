/**
 * The only source of randomness in scenarios: a small seeded PRNG (mulberry32), so a failing run is
 * replayed exactly with `--seed N` / HARNESS_SEED. Resource-name suffixes are not drawn from here:
 * they only keep parallel runs apart and never change what a scenario does.
 */
export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A new array in a seeded order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** Lowercase letters and digits. */
  word(length: number): string;
  /** An independent stream for a named part of a run (each scenario gets its own). */
  derive(label: string): Random;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a: a stable 32-bit hash to mix a label into a seed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    word: (length) => Array.from({ length }, () => ALPHABET[int(0, ALPHABET.length - 1)]).join(''),
    derive: (label) => createRandom((seed ^ hash32(label)) >>> 0),
  };
}

/** `--seed` / HARNESS_SEED when given (must be a non-negative integer), else a fresh one to print. */
export function resolveSeed(given: string | number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = given ?? env.HARNESS_SEED;
  if (raw === undefined || raw === '') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new Error(`seed must be an integer between 0 and 4294967295, got ${JSON.stringify(raw)}`);
  }
  return n;
}
