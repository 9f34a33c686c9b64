import http from 'node:http';
import fc from 'fast-check';
import type { RunningEmulator } from '../../emulator';
import type { FuzzRequest } from './generators';

/**
 * The fuzz property for one protocol entry point: every request gets an answer within the deadline, never a
 * 5xx other than InternalError with a logged cause (or 501 NotImplemented, our answer for unimplemented
 * operations), and a request that fails leaves the stored objects and messages exactly as they were.
 */
export interface FuzzStats {
  cases: number;
  byStatus: Record<string, number>;
  internalErrors: number;
}

export function send(endpoint: string, req: FuzzRequest, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(endpoint);
    const r = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms: ${req.method} ${req.path}`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** A digest of every stored object and message (the providers compute their own). */
export function stateDigest(emu: RunningEmulator): string {
  const parts = ['s3', 'sqs'].map((s) => (typeof emu.providers[s]?.digest === 'function' ? String(emu.providers[s]!.digest()) : `${s}:n/a`));
  return parts.join('|');
}

export async function fuzzEntryPoint(
  emu: RunningEmulator,
  arbitrary: fc.Arbitrary<FuzzRequest>,
  opts: { runs: number; seed: number; loggedCauses: () => number },
): Promise<FuzzStats> {
  const stats: FuzzStats = { cases: 0, byStatus: {}, internalErrors: 0 };
  await fc.assert(
    fc.asyncProperty(arbitrary, async (req) => {
      const before = stateDigest(emu);
      const causesBefore = opts.loggedCauses();
      const res = await send(emu.endpoint, req);
      stats.cases++;
      stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
      if (res.status >= 500 && res.status !== 501) {
        if (res.status !== 500 || !/InternalError/.test(res.body)) {
          throw new Error(`unexpected ${res.status} for ${req.method} ${req.path}: ${res.body.slice(0, 300)}`);
        }
        stats.internalErrors++;
        if (opts.loggedCauses() === causesBefore) throw new Error(`InternalError without a logged cause for ${req.method} ${req.path}`);
      }
      if (res.status >= 400 && req.method !== 'GET' && req.method !== 'HEAD') {
        const after = stateDigest(emu);
        if (after !== before) throw new Error(`a failed request (${res.status}) changed stored state: ${req.method} ${req.path}\n${res.body.slice(0, 300)}`);
      }
    }),
    { numRuns: opts.runs, seed: opts.seed, endOnFailure: true },
  );
  return stats;
}
