/**
 * Measuring without fooling ourselves: every comparison is a ratio of two things measured in the same run,
 * interleaved over several rounds, and the median round is quoted.
 */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};

/** Runs `op` `total` times with `concurrency` workers; returns operations per second. */
export async function throughput(op: (i: number) => Promise<unknown>, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await op(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

/** Interleaves A and B for `rounds` rounds and returns per-round rates and the median ratio A/B. */
export async function ratio(
  a: () => Promise<number>,
  b: () => Promise<number>,
  rounds: number,
): Promise<{ a: number[]; b: number[]; ratios: number[]; median: number }> {
  const ra: number[] = [];
  const rb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first so warm-up and drift do not favour one side.
    if (i % 2 === 0) {
      ra.push(await a());
      rb.push(await b());
    } else {
      rb.push(await b());
      ra.push(await a());
    }
  }
  const ratios = ra.map((x, i) => x / rb[i]!);
  return { a: ra, b: rb, ratios, median: median(ratios) };
}

export async function timeIt<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t) / 1e6];
}
