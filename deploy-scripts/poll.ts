import { WaitTimeoutError } from '../harness/wait';

/**
 * Polls a resource's state with a growing interval: first look after `firstDelayMs`, then doubling up to
 * `maxDelayMs`. An emulator finishes a transition in milliseconds, so the first looks are quick; real AWS
 * takes seconds, where the cap keeps a dozen parallel pollers well inside Lambda's control-plane rate
 * (15 requests/s). The SDK's own waiters sleep at least a second before the first look, which costs a
 * second per function and per mapping on an emulator.
 *
 * An error thrown by `probe` ends the wait at once (a Failed state, an access error); the SDK has already
 * retried throttling and network errors.
 */
export interface PollOptions {
  what: string;
  timeoutMs: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** The state seen last, for the timeout message. */
  describe?: () => string;
}

export const POLL_FIRST_DELAY_MS = 10;
export const POLL_MAX_DELAY_MS = 1_000;

export async function pollUntil(probe: () => Promise<boolean>, opts: PollOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = opts.firstDelayMs ?? POLL_FIRST_DELAY_MS;
  const max = opts.maxDelayMs ?? POLL_MAX_DELAY_MS;
  // Callers come here having just seen a transitional state (a create or update answer said so): asking
  // again at once would only see it again, a wasted request per wait (deploy waits for every function
  // and mapping it creates), so even the first look waits.
  for (let left = opts.timeoutMs; ; left = deadline - Date.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(delay, left))));
    if (await probe()) return;
    if (deadline - Date.now() <= 0) {
      const state = opts.describe?.();
      throw new WaitTimeoutError(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${state ? ` (${state})` : ''}`);
    }
    delay = Math.min(delay * 2, max);
  }
}
