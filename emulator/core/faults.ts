import { parseDuration } from './clock';
import type { DeliveryBus, DeliveryMessage, DispatchInterceptor, Origin } from './delivery';
import { SeededRandom } from './random';

/**
 * Seeded fault injection: the delivery bugs AWS allows (duplicates, delays, reordering, coalesced events,
 * failing or throttled functions, lost deletes) made to happen on purpose, reproducibly.
 *
 * Spec, comma separated (as on the CLI's --faults):
 *   duplicate=P               an S3 notification is delivered twice with probability P
 *                             (S3 notifications here and below include the events S3 sends to EventBridge)
 *   duplicate-receive=P       an SQS receive hands out a message that is also left visible (a second copy)
 *   delay=A..B                every S3 notification is delayed by a uniform time in [A, B] (e.g. 0..60s)
 *   reorder[=W]               notifications get random delays within W (default 1s), so keys swap order
 *   coalesce-unversioned[=W]  writes to one key of an unversioned bucket within W (default 1s) give one event
 *   fail:FN=N | fail:FN=P     function FN fails its first N attempts (N ≥ 1) or a fraction P (< 1) of them
 *   throttle:FN=N|P           the same, answered as a throttle (429)
 *   timeout:FN=N|P            the same, as a timeout
 *   lose-delete=P             a successful DeleteMessage is acknowledged but lost (the message comes back)
 *   sns-fail=P | sns-fail:NAME=P   an SNS delivery (to subscriptions whose endpoint contains NAME) fails
 */
export interface FaultSpec {
  duplicate: number;
  duplicateReceive: number;
  delay?: [number, number];
  reorderWindowMs?: number;
  coalesceWindowMs?: number;
  functions: { kind: 'fail' | 'throttle' | 'timeout'; functionName: string; count?: number; fraction?: number }[];
  loseDelete: number;
  snsFail: { match?: string; probability: number }[];
}

export const NO_FAULTS: FaultSpec = { duplicate: 0, duplicateReceive: 0, functions: [], loseDelete: 0, snsFail: [] };

export function parseFaults(text: string | undefined): FaultSpec {
  const spec: FaultSpec = { ...NO_FAULTS, functions: [], snsFail: [] };
  for (const raw of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [lhs, value] = raw.split('=', 2) as [string, string | undefined];
    const [name, target] = lhs.split(':', 2) as [string, string | undefined];
    const prob = () => {
      const p = Number(value);
      if (!(p >= 0 && p <= 1)) throw new Error(`fault "${raw}": expected a probability between 0 and 1`);
      return p;
    };
    switch (name) {
      case 'duplicate':
        spec.duplicate = prob();
        break;
      case 'duplicate-receive':
        spec.duplicateReceive = prob();
        break;
      case 'delay': {
        const [a, b] = (value ?? '').split('..');
        if (!a || !b) throw new Error(`fault "${raw}": expected delay=MIN..MAX, e.g. delay=0..60s`);
        spec.delay = [parseDuration(a), parseDuration(b)];
        break;
      }
      case 'reorder':
        spec.reorderWindowMs = value ? parseDuration(value) : 1000;
        break;
      case 'coalesce-unversioned':
        spec.coalesceWindowMs = value ? parseDuration(value) : 1000;
        break;
      case 'fail':
      case 'throttle':
      case 'timeout': {
        if (!target) throw new Error(`fault "${raw}": name the function, e.g. ${name}:processor=3`);
        const n = value === undefined ? 1 : Number(value);
        if (!(n >= 0)) throw new Error(`fault "${raw}": expected a count or a fraction`);
        spec.functions.push(n >= 1 ? { kind: name, functionName: target, count: Math.floor(n) } : { kind: name, functionName: target, fraction: n });
        break;
      }
      case 'lose-delete':
        spec.loseDelete = prob();
        break;
      case 'sns-fail':
        spec.snsFail.push({ match: target, probability: value === undefined ? 1 : prob() });
        break;
      default:
        throw new Error(`unknown fault "${name}" (known: duplicate, duplicate-receive, delay, reorder, coalesce-unversioned, fail, throttle, timeout, lose-delete, sns-fail)`);
    }
  }
  return spec;
}

export type FunctionFault = 'fail' | 'throttle' | 'timeout';

/** The hooks services consult. The default (no faults) answers "no" everywhere at no cost. */
export interface FaultHooks {
  /** Lambda: what to do to this attempt of this function, if anything. */
  functionFault(functionName: string): FunctionFault | undefined;
  /** SQS: whether this received message should also stay visible (a duplicate receive). */
  duplicateReceive(queueArn: string): boolean;
  /** SQS: whether this acknowledged delete should be lost. */
  loseDelete(queueArn: string): boolean;
  /** SNS: whether delivery to this subscription endpoint fails. */
  snsDeliveryFails(endpoint: string): boolean;
}

export const NO_FAULT_HOOKS: FaultHooks = {
  functionFault: () => undefined,
  duplicateReceive: () => false,
  loseDelete: () => false,
  snsDeliveryFails: () => false,
};

interface S3NotificationFacts {
  bucket: string;
  key: string;
  versioned: boolean;
}

/**
 * What an S3 notification is about, read from its record (SQS body, SNS message or Lambda payload), or from the
 * event S3 sends to EventBridge (its detail): both are S3's event notifications, with the same delivery caveats.
 */
function s3Facts(message: DeliveryMessage, origin: Origin): S3NotificationFacts | undefined {
  if (origin.principal !== 's3.amazonaws.com') return undefined;
  if (message.kind === 'event') {
    const detail = message.event.detail as { bucket?: { name?: unknown }; object?: { key?: unknown; 'version-id'?: unknown } } | undefined;
    const bucket = detail?.bucket?.name;
    const key = detail?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') return undefined;
    return { bucket, key, versioned: detail?.object?.['version-id'] != null };
  }
  const text = message.kind === 'sqs' ? message.body : message.kind === 'sns' ? message.message : message.kind === 'lambda' ? message.payload : undefined;
  if (!text) return undefined;
  try {
    const record = JSON.parse(text)?.Records?.[0]?.s3;
    if (!record) return undefined;
    return { bucket: record.bucket.name, key: record.object.key, versioned: record.object.versionId != null };
  } catch {
    return undefined;
  }
}

export class FaultInjector implements DispatchInterceptor, FaultHooks {
  private readonly random: SeededRandom;
  private readonly attempts = new Map<string, number>();
  /** Latest write per unversioned key, for coalescing: only the last one in the window is delivered. */
  private readonly latest = new Map<string, number>();
  private writeSeq = 0;

  constructor(readonly spec: FaultSpec, seed: number, private readonly bus: DeliveryBus) {
    this.random = new SeededRandom(seed);
  }

  plan(destinationArn: string, message: DeliveryMessage, origin: Origin, delayMs: number) {
    const facts = s3Facts(message, origin);
    if (!facts) return [{ delayMs }];
    let delay = delayMs;
    const hop = { destination: destinationArn, bucket: facts.bucket, key: facts.key, ...origin.correlation };
    if (this.spec.delay) {
      const [a, b] = this.spec.delay;
      delay += a + this.random.next() * (b - a);
      this.bus.record({ type: 'fault.delay', delayMs: Math.round(delay), ...hop });
    }
    if (this.spec.reorderWindowMs) delay += this.random.next() * this.spec.reorderWindowMs;
    let guard: (() => boolean) | undefined;
    if (this.spec.coalesceWindowMs && !facts.versioned) {
      const id = `${destinationArn}\u0000${facts.bucket}\u0000${facts.key}`;
      const mine = ++this.writeSeq;
      this.latest.set(id, mine);
      delay += this.spec.coalesceWindowMs;
      guard = () => {
        const keep = this.latest.get(id) === mine;
        if (!keep) this.bus.record({ type: 'fault.coalesced', ...hop });
        return keep;
      };
    }
    const plans = [{ delayMs: delay, guard }];
    if (this.random.chance(this.spec.duplicate)) {
      const extra = this.spec.reorderWindowMs ? this.random.next() * this.spec.reorderWindowMs : 0;
      plans.push({ delayMs: delay + extra, guard });
      this.bus.record({ type: 'fault.duplicate', ...hop });
    }
    return plans;
  }

  functionFault(functionName: string): FunctionFault | undefined {
    for (const f of this.spec.functions) {
      if (f.functionName !== functionName && !functionName.endsWith(`-${f.functionName}`)) continue;
      const key = `${f.kind}:${functionName}`;
      const n = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, n);
      const hit = f.count !== undefined ? n <= f.count : this.random.chance(f.fraction ?? 0);
      if (hit) {
        this.bus.record({ type: `fault.${f.kind}`, functionName, attempt: n });
        return f.kind;
      }
    }
    return undefined;
  }

  duplicateReceive(queueArn: string): boolean {
    const hit = this.random.chance(this.spec.duplicateReceive);
    if (hit) this.bus.record({ type: 'fault.duplicate-receive', queueArn });
    return hit;
  }

  loseDelete(queueArn: string): boolean {
    const hit = this.random.chance(this.spec.loseDelete);
    if (hit) this.bus.record({ type: 'fault.lose-delete', queueArn });
    return hit;
  }

  snsDeliveryFails(endpoint: string): boolean {
    for (const f of this.spec.snsFail) {
      if (f.match && !endpoint.includes(f.match)) continue;
      if (this.random.chance(f.probability)) {
        this.bus.record({ type: 'fault.sns-fail', endpoint });
        return true;
      }
    }
    return false;
  }
}
