import { createHash } from 'node:crypto';
import type { Clock, Timer } from '../core/clock';
import { AwsError } from '../core/errors';
import { randomHex, uuid } from '../core/ids';
import type { NewMessage, Received, SendResult, StoredMessage } from './message';
import { Fifo, MinHeap } from './structures';
import { invalidParameter, invalidParameterValue, missingParameter, parseRedriveAllowPolicy, parseRedrivePolicy, validateFifoId, type RedriveAllowPolicy, type RedrivePolicy } from './validation';

/**
 * One queue's messages and the rules that move them between states:
 *
 *   delayed ──(delay ends)──▶ visible ──(receive)──▶ in flight ──(delete)──▶ gone
 *                                ▲                       │
 *                                └──(visibility expires)─┘
 *
 * A receive that would take a message past maxReceiveCount moves it to the dead-letter queue instead.
 * FIFO queues hand out a group's messages in order, and none of a group while one of it is in flight.
 *
 * Time is evaluated lazily: every operation first "settles" the queue at clock.now() (delays that ended,
 * visibility timeouts that ran out, retention). A single wake-up timer per queue, set for the earliest
 * pending event, exists only so that waiting receivers and event-source mappings hear about messages
 * becoming visible; there is never one timer per message.
 */

export type { MessageState, NewMessage, Received, SendResult, StoredMessage } from './message';

export interface QueueHooks {
  /** Moves a message to the dead-letter queue; false when that is not possible (the message stays). */
  redrive(from: Queue, message: StoredMessage, policy: RedrivePolicy): boolean;
  /** Messages became visible (send, delay end, visibility expiry). */
  arrived(queue: Queue): void;
  record(hop: { type: string; [k: string]: unknown }): void;
  /** New message ids (defaults to core/ids uuid()). */
  newId?(): string;
  /** A message was stored, received, had its visibility changed, or was removed (for persistence). */
  changed?(queue: Queue, message: StoredMessage): void;
  /** A FIFO send opened a deduplication window (for persistence). */
  dedupWindowOpened?(queue: Queue, entry: DedupEntry): void;
  /** A FIFO receive with a ReceiveRequestAttemptId recorded what it handed out (for persistence). */
  attemptRecorded?(queue: Queue, attempt: SavedAttempt): void;
}

/** One FIFO deduplication window: the key (id, or group and id with messageGroup scope) and what it answers. */
export interface DedupEntry {
  key: string;
  expiresAt: number;
  messageId: string;
  sequenceNumber?: string;
}

/** A FIFO receive attempt as saved: what it handed out, by message id and the receive that took it. */
export interface SavedAttempt {
  attemptId: string;
  expiresAt: number;
  entries: { messageId: string; receiptSeq: number }[];
}

/** What a restart needs to bring a queue back as it was (receipt handles keep working: same incarnation). */
export interface SavedQueue {
  incarnation: string;
  createdAt: number;
  lastModifiedAt: number;
  lastPurgeAt?: number;
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export interface QueueInit {
  name: string;
  region: string;
  accountId: string;
  fifo: boolean;
  /** Validated, normalised settable attributes. */
  attributes: Record<string, string>;
  tags?: Record<string, string>;
  defaultMaxMessageSize: number;
  /** In-flight messages the queue holds at most; a receive hands out no more than the room left. */
  maxInflight?: number;
}

interface Group {
  id: string;
  messages: Fifo<StoredMessage>;
  inflight: number;
}

interface TimedEntry {
  due: number;
  message: StoredMessage;
  version: number;
}

const DEDUP_WINDOW_MS = 5 * 60_000;
/** Shared by the many messages without system attributes (saves an object per message). */
const NO_SYSTEM_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;
const MAX_VISIBILITY_S = 43_200;

export class Queue {
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly arn: string;
  readonly fifo: boolean;
  /** Distinguishes this queue from a later one of the same name (receipt handles of a deleted queue fail). */
  incarnation = randomHex(4);
  createdAt: number;
  lastModifiedAt: number;
  lastPurgeAt?: number;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  deleted = false;
  readonly maxInflight: number;

  private readonly messages = new Map<string, StoredMessage>();
  private readonly ready = new Fifo<StoredMessage>();
  private readonly groups = new Map<string, Group>();
  private readonly readyGroups = new Set<Group>();
  private readonly timed = new MinHeap<TimedEntry>((a, b) => a.due < b.due || (a.due === b.due && a.message.seq < b.message.seq));
  private readonly retention = new MinHeap<StoredMessage>((a, b) => a.enqueuedAt < b.enqueuedAt || (a.enqueuedAt === b.enqueuedAt && a.seq < b.seq));
  private readonly dedup = new Map<string, Omit<DedupEntry, 'key'>>();
  private readonly attempts = new Map<string, { expiresAt: number; entries: { message: StoredMessage; receiptSeq: number }[] }>();
  private readonly waiters = new Set<() => void>();
  private counts = { visible: 0, inflight: 0, delayed: 0 };
  private seq = 0;
  private sequenceCounter = 0n;
  private wake?: Timer;
  private wakeAt = Infinity;
  private redriveCache?: { text: string; policy?: RedrivePolicy };

  constructor(
    private readonly clock: Clock,
    init: QueueInit,
    private readonly hooks: QueueHooks,
  ) {
    this.name = init.name;
    this.region = init.region;
    this.accountId = init.accountId;
    this.fifo = init.fifo;
    this.arn = `arn:aws:sqs:${init.region}:${init.accountId}:${init.name}`;
    this.createdAt = this.lastModifiedAt = clock.now();
    this.attributes = { ...Queue.defaults(init.fifo, init.defaultMaxMessageSize), ...stripEmpty(init.attributes) };
    if (init.attributes.KmsMasterKeyId && init.attributes.SqsManagedSseEnabled === undefined) this.attributes.SqsManagedSseEnabled = 'false';
    this.tags = { ...(init.tags ?? {}) };
    this.maxInflight = init.maxInflight ?? Infinity;
  }

  static defaults(fifo: boolean, maxMessageSize: number): Record<string, string> {
    return {
      DelaySeconds: '0',
      MaximumMessageSize: String(maxMessageSize),
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '0',
      VisibilityTimeout: '30',
      SqsManagedSseEnabled: 'true',
      ...(fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' } : {}),
    };
  }

  // ---- configuration ---------------------------------------------------------------------------

  get visibilityTimeoutSeconds(): number {
    return Number(this.attributes.VisibilityTimeout);
  }
  get delaySeconds(): number {
    return Number(this.attributes.DelaySeconds);
  }
  get waitTimeSeconds(): number {
    return Number(this.attributes.ReceiveMessageWaitTimeSeconds);
  }
  get maximumMessageSize(): number {
    return Number(this.attributes.MaximumMessageSize);
  }
  private get retentionMs(): number {
    return Number(this.attributes.MessageRetentionPeriod) * 1000;
  }
  get contentBasedDeduplication(): boolean {
    return this.attributes.ContentBasedDeduplication === 'true';
  }
  get redrivePolicy(): RedrivePolicy | undefined {
    const text = this.attributes.RedrivePolicy ?? '';
    if (this.redriveCache?.text !== text) this.redriveCache = { text, policy: text ? parseRedrivePolicy(text) : undefined };
    return this.redriveCache.policy;
  }
  get redriveAllowPolicy(): RedriveAllowPolicy | undefined {
    const text = this.attributes.RedriveAllowPolicy;
    return text ? parseRedriveAllowPolicy(text) : undefined;
  }
  /** Whether this queue, as a dead-letter queue, accepts messages from `sourceArn`. */
  allowsRedriveFrom(sourceArn: string): boolean {
    const p = this.redriveAllowPolicy;
    if (!p || p.redrivePermission === 'allowAll') return true;
    if (p.redrivePermission === 'denyAll') return false;
    return (p.sourceQueueArns ?? []).includes(sourceArn);
  }

  /** Applies validated, normalised attributes; `""` removes Policy, RedrivePolicy, RedriveAllowPolicy, KmsMasterKeyId. */
  setAttributes(attrs: Record<string, string>): void {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === '' && ['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId'].includes(k)) delete this.attributes[k];
      else this.attributes[k] = v;
    }
    if (attrs.KmsMasterKeyId && attrs.SqsManagedSseEnabled === undefined) this.attributes.SqsManagedSseEnabled = 'false';
    this.lastModifiedAt = this.clock.now();
    this.settle();
    this.reschedule();
  }

  // ---- time ------------------------------------------------------------------------------------

  /** Applies everything due at clock.now(): ended delays and visibility timeouts, retention, dedup expiry. */
  private settle(): boolean {
    const now = this.clock.now();
    let arrived = false;
    for (let top = this.timed.peek(); top && top.due <= now; top = this.timed.peek()) {
      this.timed.pop();
      const m = top.message;
      if (top.version !== m.version || (m.state !== 'delayed' && m.state !== 'inflight')) continue;
      if (m.state === 'inflight') this.hooks.record({ type: 'sqs.visibility-expired', queueArn: this.arn, messageId: m.id, receiveCount: m.receiveCount });
      this.makeVisible(m);
      arrived = true;
    }
    const retentionMs = this.retentionMs;
    for (let top = this.retention.peek(); top && (top.state === 'deleted' || top.enqueuedAt + retentionMs <= now); top = this.retention.peek()) {
      this.retention.pop();
      if (top.state === 'deleted') continue;
      this.hooks.record({ type: 'sqs.expired', queueArn: this.arn, messageId: top.id, receiveCount: top.receiveCount });
      this.remove(top);
    }
    for (const [key, entry] of this.dedup) {
      if (entry.expiresAt > now) break;
      this.dedup.delete(key);
    }
    for (const [key, entry] of this.attempts) {
      if (entry.expiresAt > now) break;
      this.attempts.delete(key);
    }
    this.compact();
    return arrived;
  }

  /** Drops stale heap entries once they outnumber live ones, so memory follows the live message count. */
  private compact(): void {
    const live = this.counts.inflight + this.counts.delayed;
    if (this.timed.size > 1024 && this.timed.size > 2 * live) {
      this.timed.retain((e) => e.version === e.message.version && (e.message.state === 'inflight' || e.message.state === 'delayed'));
    }
    if (this.retention.size > 1024 && this.retention.size > 2 * this.messages.size) {
      this.retention.retain((m) => m.state !== 'deleted');
    }
  }

  /** Keeps one timer, for the earliest delay end or visibility expiry. */
  private reschedule(): void {
    if (this.deleted) return;
    let top = this.timed.peek();
    while (top && (top.version !== top.message.version || (top.message.state !== 'delayed' && top.message.state !== 'inflight'))) {
      this.timed.pop();
      top = this.timed.peek();
    }
    if (!top) {
      this.wake?.cancel();
      this.wake = undefined;
      this.wakeAt = Infinity;
      return;
    }
    if (this.wake && this.wakeAt <= top.due) return;
    this.wake?.cancel();
    this.wakeAt = top.due;
    this.wake = this.clock.setTimer(Math.max(0, top.due - this.clock.now()), () => {
      this.wake = undefined;
      this.wakeAt = Infinity;
      if (this.deleted) return;
      if (this.settle()) this.notifyArrival();
      this.reschedule();
    });
  }

  /** Runs `fn` on a settled queue, then re-arms the timer and tells listeners about new visible messages. */
  private operate<T>(fn: () => T): T {
    if (this.deleted) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400);
    let arrived = this.settle();
    this.pendingArrival = false;
    try {
      return fn();
    } finally {
      arrived = arrived || this.pendingArrival;
      this.pendingArrival = false;
      this.reschedule();
      if (arrived) this.notifyArrival();
    }
  }
  private pendingArrival = false;

  private notifyArrival(): void {
    if (this.counts.visible === 0) return;
    for (const w of [...this.waiters]) w();
    this.hooks.arrived(this);
  }

  /** Long-polling receives waiting on this queue right now. */
  get waitingReceivers(): number {
    return this.waiters.size;
  }

  /** Resolves when a message may have become visible, or after `timeoutMs` of emulated time. */
  waitForArrival(timeoutMs: number): { promise: Promise<void>; cancel(): void } {
    let timer: Timer | undefined;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const done = () => {
      this.waiters.delete(done);
      timer?.cancel();
      resolve();
    };
    this.waiters.add(done);
    timer = this.clock.setTimer(timeoutMs, done);
    return { promise, cancel: done };
  }

  // ---- state transitions -----------------------------------------------------------------------

  private makeVisible(m: StoredMessage): void {
    if (m.state === 'inflight') {
      this.counts.inflight--;
      if (m.groupId !== undefined && this.fifo) {
        const g = this.groups.get(m.groupId);
        if (g) g.inflight--;
      }
    } else if (m.state === 'delayed') this.counts.delayed--;
    else return;
    m.state = 'visible';
    m.version++;
    this.counts.visible++;
    if (this.fifo) this.refreshGroup(m.groupId!);
    else if (!m.inReady) {
      m.inReady = true;
      this.ready.push(m);
    }
    this.pendingArrival = true;
  }

  private remove(m: StoredMessage): void {
    const prev = m.state;
    if (prev === 'deleted') return;
    m.state = 'deleted';
    m.version++;
    this.messages.delete(m.id);
    this.hooks.changed?.(this, m);
    if (prev === 'visible') this.counts.visible--;
    else if (prev === 'delayed') this.counts.delayed--;
    else if (prev === 'inflight') {
      // Room under the in-flight quota: receivers that got nothing at the limit may take the visible messages now.
      if (this.counts.inflight-- >= this.maxInflight) this.pendingArrival = true;
    }
    if (this.fifo) {
      const g = this.groups.get(m.groupId!);
      if (g && prev === 'inflight') g.inflight--;
      this.refreshGroup(m.groupId!);
    }
  }

  /** A FIFO group is offered to receivers only while none of its messages is in flight. */
  private refreshGroup(groupId: string): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    while (g.messages.length > 0 && g.messages.peek()!.state === 'deleted') g.messages.shift();
    if (g.messages.length === 0 && g.inflight <= 0) {
      this.groups.delete(groupId);
      this.readyGroups.delete(g);
    } else if (g.inflight > 0) this.readyGroups.delete(g);
    else if (!this.readyGroups.has(g)) {
      this.readyGroups.add(g);
      // A group unblocked (its last in-flight message deleted) offers its waiting messages: that is an arrival.
      if (g.messages.peek()?.state === 'visible') this.pendingArrival = true;
    }
  }

  private nextSequenceNumber(): string {
    this.sequenceCounter++;
    return (BigInt(this.createdAt) * 1_000_000n + this.sequenceCounter).toString().padStart(20, '0');
  }

  /** After a restart: the next sequence number follows `sequenceNumber`, one this queue handed out before. */
  private counterPast(sequenceNumber: string): void {
    this.sequenceCounter = bigMax(this.sequenceCounter, BigInt(sequenceNumber) - BigInt(this.createdAt) * 1_000_000n);
  }

  // ---- operations ------------------------------------------------------------------------------

  send(input: NewMessage): SendResult {
    return this.operate(() => this.enqueue(input));
  }

  private enqueue(input: NewMessage): SendResult {
    const now = this.clock.now();
    let dedupId = input.dedupId;
    if (this.fifo) {
      if (input.delaySeconds) {
        throw invalidParameterValue(input.delaySeconds, 'DelaySeconds', 'The request include parameter that is not valid for this queue type.');
      }
      if (input.groupId === undefined || input.groupId === '') throw missingParameter('MessageGroupId');
      validateFifoId(input.groupId, 'MessageGroupId');
      validateFifoId(dedupId, 'MessageDeduplicationId');
      if (dedupId === undefined && this.contentBasedDeduplication) dedupId = createHash('sha256').update(input.body, 'utf8').digest('hex');
      if (dedupId === undefined) {
        throw invalidParameter('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      }
      if (!input.skipDedup) {
        const key = this.attributes.DeduplicationScope === 'messageGroup' ? `${input.groupId}\u0000${dedupId}` : dedupId;
        const seen = this.dedup.get(key);
        if (seen && seen.expiresAt > now) return { messageId: seen.messageId, sequenceNumber: seen.sequenceNumber, duplicate: true };
        const messageId = input.messageId ?? this.newId();
        const sequenceNumber = this.nextSequenceNumber();
        this.dedup.delete(key);
        const entry = { expiresAt: now + DEDUP_WINDOW_MS, messageId, sequenceNumber };
        this.dedup.set(key, entry);
        this.hooks.dedupWindowOpened?.(this, { key, ...entry });
        this.store(input, messageId, sequenceNumber, dedupId, now);
        return { messageId, sequenceNumber, duplicate: false };
      }
      const messageId = input.messageId ?? this.newId();
      const sequenceNumber = this.nextSequenceNumber();
      this.store(input, messageId, sequenceNumber, dedupId, now);
      return { messageId, sequenceNumber, duplicate: false };
    }
    if (dedupId !== undefined) {
      throw invalidParameterValue(dedupId, 'MessageDeduplicationId', 'The request includes a parameter that is not valid for this queue type.');
    }
    if (input.groupId !== undefined) validateFifoId(input.groupId, 'MessageGroupId');
    const messageId = input.messageId ?? this.newId();
    this.store(input, messageId, undefined, undefined, now);
    return { messageId, duplicate: false };
  }

  private store(input: NewMessage, id: string, sequenceNumber: string | undefined, dedupId: string | undefined, now: number): void {
    const delayS = this.fifo ? this.delaySeconds : input.delaySeconds ?? this.delaySeconds;
    const m: StoredMessage = {
      id,
      body: input.body,
      md5OfBody: input.md5OfBody,
      messageAttributes: input.messageAttributes && Object.keys(input.messageAttributes).length ? input.messageAttributes : undefined,
      md5OfMessageAttributes: input.md5OfMessageAttributes,
      systemAttributes: input.systemAttributes && Object.keys(input.systemAttributes).length ? { ...input.systemAttributes } : NO_SYSTEM_ATTRIBUTES,
      md5OfMessageSystemAttributes: input.md5OfMessageSystemAttributes,
      senderId: input.senderId,
      sentTimestamp: input.sentTimestamp ?? now,
      enqueuedAt: input.enqueuedAt ?? now,
      groupId: input.groupId,
      dedupId,
      sequenceNumber,
      receiveCount: input.receiveCount ?? 0,
      receivesHere: 0,
      firstReceiveAt: input.firstReceiveAt,
      state: delayS > 0 ? 'delayed' : 'visible',
      visibleAt: now + delayS * 1000,
      receiptSeq: 0,
      version: 0,
      seq: this.seq++,
      inReady: false,
    };
    // An id reused by a move keeps one copy per queue.
    const existing = this.messages.get(id);
    if (existing) this.remove(existing);
    this.messages.set(id, m);
    this.retention.push(m);
    if (m.state === 'delayed') {
      this.counts.delayed++;
      this.timed.push({ due: m.visibleAt, message: m, version: m.version });
    } else {
      this.counts.visible++;
      this.pendingArrival = true;
    }
    if (this.fifo) {
      let g = this.groups.get(m.groupId!);
      if (!g) this.groups.set(m.groupId!, (g = { id: m.groupId!, messages: new Fifo(), inflight: 0 }));
      g.messages.push(m);
      this.refreshGroup(g.id);
    } else if (m.state === 'visible') {
      m.inReady = true;
      this.ready.push(m);
    }
    this.hooks.changed?.(this, m);
  }

  /**
   * Hands out up to `max` visible messages and puts them in flight for `visibilityTimeoutSeconds`.
   * A message already received maxReceiveCount times here goes to the dead-letter queue instead.
   */
  receive(max: number, visibilityTimeoutSeconds?: number, attemptId?: string): Received[] {
    return this.operate(() => {
      const now = this.clock.now();
      if (this.fifo && attemptId) {
        const previous = this.attempts.get(attemptId);
        if (previous && previous.entries.length > 0 && previous.entries.every((e) => e.message.state === 'inflight' && e.message.receiptSeq === e.receiptSeq)) {
          return previous.entries.map((e) => ({ message: e.message, receiptHandle: this.handleFor(e.message) }));
        }
      }
      const visibility = visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds;
      // Only receives that put messages in flight count against the in-flight quota.
      if (visibility > 0) max = Math.min(max, this.maxInflight - this.counts.inflight);
      if (max <= 0) return [];
      const policy = this.redrivePolicy;
      const taken: StoredMessage[] = [];
      const redriveOrTake = (m: StoredMessage): void => {
        if (policy && m.receivesHere >= policy.maxReceiveCount && this.hooks.redrive(this, m, policy)) {
          this.remove(m);
          return;
        }
        taken.push(m);
      };
      if (!this.fifo) {
        const back: StoredMessage[] = [];
        while (taken.length < max) {
          const m = this.ready.shift();
          if (!m) break;
          m.inReady = false;
          if (m.state !== 'visible') continue;
          redriveOrTake(m);
          if (taken.at(-1) === m && visibility === 0) back.push(m);
        }
        for (const m of back) {
          m.inReady = true;
          this.ready.push(m);
        }
      } else {
        const takenHere = new Set<StoredMessage>();
        for (const g of this.readyGroups) {
          // Candidates are collected before acting: a redrive removes messages from the group's list.
          for (let more = true; more && taken.length < max; ) {
            const candidates: StoredMessage[] = [];
            for (const m of g.messages.values()) {
              if (taken.length + candidates.length >= max) break;
              if (m.state === 'deleted' || takenHere.has(m)) continue;
              if (m.state !== 'visible') break;
              candidates.push(m);
            }
            const before = taken.length;
            for (const m of candidates) redriveOrTake(m);
            for (const m of taken.slice(before)) takenHere.add(m);
            // Look again only if some went to the DLQ (their places may be filled by later messages).
            more = candidates.length > 0 && taken.length - before < candidates.length;
          }
          if (taken.length >= max) break;
        }
      }
      const out: Received[] = [];
      for (const m of taken) {
        m.receiveCount++;
        m.receivesHere++;
        m.firstReceiveAt ??= now;
        m.lastReceiveAt = now;
        m.receiptSeq++;
        if (visibility > 0) {
          this.counts.visible--;
          this.counts.inflight++;
          m.state = 'inflight';
          m.version++;
          m.visibleAt = now + visibility * 1000;
          this.timed.push({ due: m.visibleAt, message: m, version: m.version });
          if (this.fifo) this.groups.get(m.groupId!)!.inflight++;
        }
        out.push({ message: m, receiptHandle: this.handleFor(m) });
        this.hooks.changed?.(this, m);
      }
      if (this.fifo) for (const gid of new Set(taken.map((m) => m.groupId!))) this.refreshGroup(gid);
      if (this.fifo && attemptId) {
        const attempt = { expiresAt: now + DEDUP_WINDOW_MS, entries: taken.map((m) => ({ message: m, receiptSeq: m.receiptSeq })) };
        this.attempts.delete(attemptId);
        this.attempts.set(attemptId, attempt);
        this.hooks.attemptRecorded?.(this, savedAttempt(attemptId, attempt));
      }
      return out;
    });
  }

  private newId(): string {
    return this.hooks.newId ? this.hooks.newId() : uuid();
  }

  /** Unique per receive of a message in this incarnation of the queue (the seq makes earlier handles stale). */
  private handleFor(m: StoredMessage): string {
    const raw = `sqs1\n${this.arn}\n${this.incarnation}\n${m.id}\n${m.receiptSeq}\n${m.lastReceiveAt ?? 0}`;
    return Buffer.from(raw, 'utf8').toString('base64');
  }

  private decodeHandle(handle: string): { message?: StoredMessage; receiptSeq: number } {
    const invalid = () => new AwsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`, 404);
    if (typeof handle !== 'string' || handle === '') throw missingParameter('ReceiptHandle');
    const parts = Buffer.from(handle, 'base64').toString('utf8').split('\n');
    if (parts.length !== 6 || parts[0] !== 'sqs1' || parts[1] !== this.arn || !/^\d+$/.test(parts[4]!)) throw invalid();
    if (parts[2] !== this.incarnation) return { receiptSeq: Number(parts[4]) };
    return { message: this.messages.get(parts[3]!), receiptSeq: Number(parts[4]) };
  }

  /** DeleteMessage: the latest receipt handle deletes; an older one is a no-op (FIFO: an error); a deleted message is fine. */
  delete(handle: string): void {
    this.operate(() => {
      const { message: m, receiptSeq } = this.decodeHandle(handle);
      if (!m) return;
      if (this.fifo && (m.receiptSeq !== receiptSeq || m.state !== 'inflight')) {
        throw invalidParameterValue(handle, 'ReceiptHandle', 'The receipt handle has expired.');
      }
      if (m.receiptSeq !== receiptSeq) return;
      this.hooks.record({ type: 'sqs.delete', queueArn: this.arn, messageId: m.id, receiveCount: m.receiveCount });
      this.remove(m);
    });
  }

  /** ChangeMessageVisibility: only for the message's current receive while it is in flight. */
  changeVisibility(handle: string, timeoutSeconds: number): void {
    this.operate(() => {
      const { message: m, receiptSeq } = this.decodeHandle(handle);
      if (timeoutSeconds === undefined || timeoutSeconds === null) throw missingParameter('VisibilityTimeout');
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0 || timeoutSeconds > MAX_VISIBILITY_S) {
        throw invalidParameterValue(timeoutSeconds, 'VisibilityTimeout', `Must be between 0 and ${MAX_VISIBILITY_S}, if provided.`);
      }
      if (!m) {
        throw invalidParameterValue(handle, 'ReceiptHandle', 'Message does not exist or is not available for visibility timeout change.');
      }
      if (m.state !== 'inflight' || m.receiptSeq !== receiptSeq) {
        throw new AwsError('MessageNotInflight', 'The message referred to is not in flight.', 400);
      }
      const now = this.clock.now();
      if ((now - (m.lastReceiveAt ?? now)) / 1000 + timeoutSeconds > MAX_VISIBILITY_S) {
        throw invalidParameterValue(timeoutSeconds, 'VisibilityTimeout', `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_S} seconds]`);
      }
      m.version++;
      m.visibleAt = now + timeoutSeconds * 1000;
      if (timeoutSeconds === 0) this.makeVisible(m);
      else this.timed.push({ due: m.visibleAt, message: m, version: m.version });
      this.hooks.changed?.(this, m);
    });
  }

  /** Deletes every message (visible, in flight, delayed). Deduplication ids stay tracked. */
  purge(): number {
    return this.operate(() => {
      const n = this.messages.size;
      for (const m of [...this.messages.values()]) this.remove(m);
      this.ready.clear();
      this.groups.clear();
      this.readyGroups.clear();
      this.timed.clear();
      this.retention.clear();
      this.lastPurgeAt = this.clock.now();
      return n;
    });
  }

  /** Takes a message out for a move task (no receive counted). */
  takeForMove(): StoredMessage | undefined {
    return this.operate(() => {
      if (!this.fifo) {
        for (let m = this.ready.shift(); m; m = this.ready.shift()) {
          m.inReady = false;
          if (m.state === 'visible') {
            this.remove(m);
            return m;
          }
        }
        return undefined;
      }
      for (const g of this.readyGroups) {
        for (const m of g.messages.values()) {
          if (m.state === 'deleted') continue;
          if (m.state !== 'visible') break;
          this.remove(m);
          return m;
        }
      }
      return undefined;
    });
  }

  /** Accepts a message moved from another queue (redrive, move task): bypasses dedup, keeps identity. */
  accept(input: NewMessage): SendResult {
    return this.operate(() => this.enqueue({ ...input, skipDedup: true, delaySeconds: this.fifo ? undefined : input.delaySeconds ?? 0 }));
  }

  // ---- persistence -----------------------------------------------------------------------------

  saved(): SavedQueue {
    const { incarnation, createdAt, lastModifiedAt, lastPurgeAt, attributes, tags } = this;
    return { incarnation, createdAt, lastModifiedAt, lastPurgeAt, attributes, tags };
  }

  /** The deduplication windows still open at now, oldest first. */
  openDedupWindows(): DedupEntry[] {
    const now = this.clock.now();
    return [...this.dedup].filter(([, e]) => e.expiresAt > now).map(([key, e]) => ({ key, ...e }));
  }

  /** FIFO receive attempts whose five minutes are not over (for a snapshot). */
  openAttempts(): SavedAttempt[] {
    const now = this.clock.now();
    return [...this.attempts].filter(([, a]) => a.expiresAt > now).map(([attemptId, a]) => savedAttempt(attemptId, a));
  }

  /**
   * Brings back a queue's settings, messages, deduplication windows and receive attempts after a restart (a fresh
   * queue, before any use).
   */
  restore(saved: SavedQueue, messages: StoredMessage[], dedup: DedupEntry[] = [], attempts: SavedAttempt[] = []): void {
    Object.assign(this, { ...saved, attributes: { ...saved.attributes }, tags: { ...saved.tags } });
    // In expiry order, which settle() relies on to stop at the first open window.
    for (const { key, ...entry } of [...dedup].sort((a, b) => a.expiresAt - b.expiresAt)) {
      this.dedup.set(key, entry);
      if (entry.sequenceNumber) this.counterPast(entry.sequenceNumber);
    }
    for (const m of [...messages].sort((a, b) => a.seq - b.seq)) {
      m.version = 0;
      m.inReady = false;
      this.messages.set(m.id, m);
      this.retention.push(m);
      this.seq = Math.max(this.seq, m.seq + 1);
      if (m.sequenceNumber) this.counterPast(m.sequenceNumber);
      if (m.state === 'visible') this.counts.visible++;
      else {
        if (m.state === 'inflight') this.counts.inflight++;
        else this.counts.delayed++;
        this.timed.push({ due: m.visibleAt, message: m, version: m.version });
      }
      if (this.fifo) {
        let g = this.groups.get(m.groupId!);
        if (!g) this.groups.set(m.groupId!, (g = { id: m.groupId!, messages: new Fifo(), inflight: 0 }));
        g.messages.push(m);
        if (m.state === 'inflight') g.inflight++;
      } else if (m.state === 'visible') {
        m.inReady = true;
        this.ready.push(m);
      }
    }
    for (const id of [...this.groups.keys()]) this.refreshGroup(id);
    // In expiry order, as settle() expects; an entry whose message is gone no longer matches, as before the restart.
    for (const a of [...attempts].sort((x, y) => x.expiresAt - y.expiresAt)) {
      const entries = a.entries.flatMap((e) => {
        const message = this.messages.get(e.messageId);
        return message ? [{ message, receiptSeq: e.receiptSeq }] : [];
      });
      if (entries.length === a.entries.length) this.attempts.set(a.attemptId, { expiresAt: a.expiresAt, entries });
    }
    // Settles what came due while the emulator was down and arms the wake-up timer.
    this.operate(() => undefined);
  }

  // ---- inspection ------------------------------------------------------------------------------

  /** Whether the queue holds as many in-flight messages as it may (settled at now). */
  atInflightLimit(): boolean {
    return this.stats().inflight >= this.maxInflight;
  }

  stats(): { visible: number; inflight: number; delayed: number } {
    if (!this.deleted && this.settle()) {
      this.reschedule();
      this.notifyArrival();
    }
    return { ...this.counts };
  }

  /** Every stored message in insertion order, settled at now, without changing anything visible to clients. */
  snapshot(): StoredMessage[] {
    this.stats();
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Stops timers and wakes long pollers (queue deleted or emulator stopping). */
  close(): void {
    this.deleted = true;
    this.wake?.cancel();
    this.wake = undefined;
    for (const w of [...this.waiters]) w();
  }
}

const bigMax = (a: bigint, b: bigint): bigint => (a > b ? a : b);

function stripEmpty(attrs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== ''));
}

function savedAttempt(attemptId: string, a: { expiresAt: number; entries: { message: StoredMessage; receiptSeq: number }[] }): SavedAttempt {
  return { attemptId, expiresAt: a.expiresAt, entries: a.entries.map((e) => ({ messageId: e.message.id, receiptSeq: e.receiptSeq })) };
}
