import { waitFor } from '../harness/wait';

/** True when `err` is an SDK service error with one of these names/codes (SDK classes and raw codes differ per service). */
export function isAwsError(err: unknown, ...names: string[]): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; Code?: string; code?: string; __type?: string };
  return names.some((n) => e.name === n || e.Code === n || e.code === n || e.__type?.endsWith(n));
}

/** The HTTP status of an SDK error, when there was a response. */
export const statusOf = (err: unknown): number | undefined =>
  (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** `fn()`, or undefined when it fails with one of the "not found" errors named. */
export async function ifExists<T>(fn: () => Promise<T>, ...notFound: string[]): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isAwsError(e, ...notFound)) return undefined;
    throw e;
  }
}

/**
 * Runs `fn` until it stops failing with a retryable error (IAM propagation on real AWS: a role created a
 * moment ago cannot be assumed by Lambda yet). Other errors fail at once.
 */
export async function retryWhile<T>(
  fn: () => Promise<T>,
  retryable: (err: unknown) => boolean,
  opts: { timeoutMs?: number; intervalMs?: number; what: string },
): Promise<T> {
  let fatal: { error: unknown } | undefined;
  const value = await waitFor(
    async () => {
      try {
        return { value: await fn() };
      } catch (e) {
        if (!retryable(e)) {
          fatal = { error: e };
          return { value: undefined as T };
        }
        throw e; // waitFor keeps it as the last error and tries again
      }
    },
    { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: opts.intervalMs ?? 1_000, what: opts.what },
  );
  if (fatal) throw fatal.error;
  return value.value;
}

/** Every item of a paged List call: `page` fetches one page for a token, `items` and `next` read it. */
export async function listAll<P, T>(page: (token: string | undefined) => Promise<P>, items: (p: P) => T[] | undefined, next: (p: P) => string | undefined): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    all.push(...(items(p) ?? []));
    token = next(p);
  } while (token);
  return all;
}
