/**
 * Delivery retry schedules, as SNS's delivery-policy phases: retries without delay, retries at the minimum
 * delay, a backoff phase from minimum to maximum, then retries at the maximum delay.
 *
 * SQS and Lambda subscribers ("AWS-managed endpoints") get, on AWS, 3 immediate + 2 at 1 s + 10 backing off
 * from 1 s to 20 s + 100,000 at 20 s (about 23 days). The emulator defaults to the first phases only
 * (`EMULATOR_MANAGED_RETRY`, about 27 s of emulated time) so a failing subscriber reaches its DLQ in a test's
 * lifetime; `AWS_MANAGED_RETRY` restores AWS's schedule. HTTP/S follows the topic/subscription DeliveryPolicy
 * (default 3 retries 20 s apart).
 */
export interface RetryPhases {
  noDelayRetries: number;
  minDelayRetries: number;
  backoffRetries: number;
  maxDelayRetries: number;
  minDelayMs: number;
  maxDelayMs: number;
  backoffFunction: 'linear' | 'arithmetic' | 'geometric' | 'exponential';
}

export const AWS_MANAGED_RETRY: RetryPhases = {
  noDelayRetries: 3,
  minDelayRetries: 2,
  backoffRetries: 10,
  maxDelayRetries: 100_000,
  minDelayMs: 1_000,
  maxDelayMs: 20_000,
  backoffFunction: 'exponential',
};

export const EMULATOR_MANAGED_RETRY: RetryPhases = { ...AWS_MANAGED_RETRY, backoffRetries: 3, maxDelayRetries: 0 };

/** Delay before retry `n` (1-based), or undefined once the schedule is exhausted. */
export function retryDelay(p: RetryPhases, n: number): number | undefined {
  let i = n;
  if (i <= p.noDelayRetries) return 0;
  i -= p.noDelayRetries;
  if (i <= p.minDelayRetries) return p.minDelayMs;
  i -= p.minDelayRetries;
  if (i <= p.backoffRetries) {
    if (p.backoffRetries === 1) return p.minDelayMs;
    const f = (i - 1) / (p.backoffRetries - 1);
    const exponential = p.backoffFunction === 'exponential' || p.backoffFunction === 'geometric';
    const delay = exponential && p.minDelayMs > 0
      ? p.minDelayMs * Math.pow(p.maxDelayMs / p.minDelayMs, f)
      : p.minDelayMs + (p.maxDelayMs - p.minDelayMs) * f;
    return Math.round(delay);
  }
  i -= p.backoffRetries;
  if (i <= p.maxDelayRetries) return p.maxDelayMs;
  return undefined;
}

/** The HTTP/S policy SNS reports as EffectiveDeliveryPolicy when none is set. */
export const DEFAULT_HTTP_DELIVERY_POLICY = {
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: 'linear',
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
  },
};

interface HealthyRetryPolicy {
  minDelayTarget?: number;
  maxDelayTarget?: number;
  numRetries?: number;
  numNoDelayRetries?: number;
  numMinDelayRetries?: number;
  numMaxDelayRetries?: number;
  backoffFunction?: string;
}

const parse = (text: string | undefined): any => {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The topic's effective delivery policy: its DeliveryPolicy's `http` section over SNS's default. */
export function effectiveDeliveryPolicy(topicDeliveryPolicy: string | undefined): typeof DEFAULT_HTTP_DELIVERY_POLICY {
  const own = parse(topicDeliveryPolicy)?.http ?? {};
  const d = DEFAULT_HTTP_DELIVERY_POLICY.http;
  return {
    http: {
      ...d,
      ...own,
      defaultHealthyRetryPolicy: { ...d.defaultHealthyRetryPolicy, ...(own.defaultHealthyRetryPolicy ?? {}) },
      defaultRequestPolicy: { ...d.defaultRequestPolicy, ...(own.defaultRequestPolicy ?? {}) },
    },
  };
}

/** HTTP/S retries and content type: the subscription's DeliveryPolicy overrides the topic's unless disabled. */
export function httpDeliverySettings(topicDeliveryPolicy: string | undefined, subscriptionDeliveryPolicy: string | undefined) {
  const topic = effectiveDeliveryPolicy(topicDeliveryPolicy).http;
  const sub = topic.disableSubscriptionOverrides ? undefined : parse(subscriptionDeliveryPolicy);
  const healthy: HealthyRetryPolicy = { ...topic.defaultHealthyRetryPolicy, ...(sub?.healthyRetryPolicy ?? {}) };
  const numRetries = healthy.numRetries ?? 3;
  const noDelay = healthy.numNoDelayRetries ?? 0;
  const minDelay = healthy.numMinDelayRetries ?? 0;
  const maxDelay = healthy.numMaxDelayRetries ?? 0;
  const phases: RetryPhases = {
    noDelayRetries: noDelay,
    minDelayRetries: minDelay,
    backoffRetries: Math.max(0, numRetries - noDelay - minDelay - maxDelay),
    maxDelayRetries: maxDelay,
    minDelayMs: (healthy.minDelayTarget ?? 20) * 1000,
    maxDelayMs: (healthy.maxDelayTarget ?? 20) * 1000,
    backoffFunction: (healthy.backoffFunction as RetryPhases['backoffFunction']) ?? 'linear',
  };
  const contentType: string = sub?.requestPolicy?.headerContentType ?? topic.defaultRequestPolicy.headerContentType;
  return { phases, contentType };
}
