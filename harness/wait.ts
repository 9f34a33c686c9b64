/**
 * Waiting on a condition with a deadline: the only way tests and scenarios wait.
 * The probe is retried until it returns something other than undefined/false, or the deadline passes;
 * on timeout the error includes `describe()` so the failure says what did arrive.
 */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What to say about the current state when the deadline passes. */
  describe?: () => string | Promise<string>;
  what?: string;
}

export class WaitTimeoutError extends Error {}

export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const state = opts.describe ? await opts.describe() : '';
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitTimeoutError(
        `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${cause}${state ? `\n${state}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
