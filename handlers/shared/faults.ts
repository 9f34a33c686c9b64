/**
 * Fault injection for the harness: env HARNESS_FAULTS makes a handler fail on purpose so scenarios can
 * drive retries, redrive and the DLQ path with the real handler code.
 *
 *   {"fail":{"attempts":3}}              fail the first 3 attempts of every object
 *   {"fail":{"keys":["data/x.csv"]}}      always fail these (decoded) keys
 *   {"fail":{"keys":[…],"attempts":1}}    both: fail these keys on their first attempt only
 *   "message" (optional) replaces the error text.
 *   {"appendReports":true}               deliberately NOT idempotent: every delivery writes its report under
 *                                        a key of its own (`<report key>.<delivery id>.json`) instead of
 *                                        overwriting the one report of the object version — the handler bug
 *                                        duplicate deliveries expose (the conservation ledger flags it)
 *
 * The attempt number is the SQS ApproximateReceiveCount when the object came through SQS; for direct
 * (async) invocations it is counted in memory per object version, which holds while the same runtime
 * process serves the retries.
 */
export interface FaultPlan {
  fail?: { keys?: string[]; attempts?: number; message?: string };
  appendReports?: boolean;
}

export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

export function readFaultPlan(env: Record<string, string | undefined>): FaultPlan | undefined {
  const raw = env.HARNESS_FAULTS;
  if (!raw) return undefined;
  let plan: unknown;
  try {
    plan = JSON.parse(raw);
  } catch (e) {
    throw new Error(`HARNESS_FAULTS is not JSON: ${(e as Error).message}`);
  }
  if (typeof plan !== 'object' || plan === null) throw new Error('HARNESS_FAULTS must be a JSON object');
  return plan as FaultPlan;
}

/** The error message to fail with, or undefined when this (key, attempt) should go through. */
export function faultFor(plan: FaultPlan | undefined, key: string, attempt: number): string | undefined {
  const fail = plan?.fail;
  if (!fail) return undefined;
  if (fail.keys && !fail.keys.includes(key)) return undefined;
  if (typeof fail.attempts === 'number' && attempt > fail.attempts) return undefined;
  return fail.message ?? `Injected fault (HARNESS_FAULTS) for ${key} on attempt ${attempt}`;
}

const attemptsSeen = new Map<string, number>();

/** `receiveCount` when the message says how often it was delivered, else this process's own count. */
export function attemptNumber(identity: string, receiveCount?: number): number {
  if (receiveCount !== undefined && Number.isFinite(receiveCount) && receiveCount > 0) return receiveCount;
  const attempt = (attemptsSeen.get(identity) ?? 0) + 1;
  attemptsSeen.set(identity, attempt);
  return attempt;
}

export function throwIfFaulted(
  env: Record<string, string | undefined>,
  key: string,
  identity: string,
  receiveCount?: number,
): void {
  const plan = readFaultPlan(env);
  if (!plan) return;
  const message = faultFor(plan, key, attemptNumber(identity, receiveCount));
  if (message !== undefined) throw new InjectedFault(message);
}

/** Whether the handler should misbehave as a non-idempotent one (`appendReports`). */
export function appendsReports(env: Record<string, string | undefined>): boolean {
  return readFaultPlan(env)?.appendReports === true;
}
