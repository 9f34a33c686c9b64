import { createHash } from 'node:crypto';
import { VirtualClock } from '../../emulator/core/clock';
import { AwsError } from '../../emulator/core/errors';
import { Queue, type NewMessage, type QueueHooks } from '../../emulator/sqs/queue';

/** Unit tests of one queue's mechanics on virtual time (no HTTP, no provider). */

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function setup(opts: { fifo?: boolean; attributes?: Record<string, string>; redrive?: QueueHooks['redrive']; newId?: () => string } = {}) {
  const clock = new VirtualClock();
  const arrivals: number[] = [];
  const hops: { type: string; [k: string]: unknown }[] = [];
  const fifo = opts.fifo ?? false;
  const q = new Queue(
    clock,
    {
      name: fifo ? 'q.fifo' : 'q',
      region: 'us-east-1',
      accountId: '000000000000',
      fifo,
      attributes: opts.attributes ?? {},
      defaultMaxMessageSize: 262_144,
    },
    {
      redrive: opts.redrive ?? (() => false),
      arrived: () => arrivals.push(clock.now()),
      record: (hop) => hops.push(hop),
      newId: opts.newId,
    },
  );
  return { clock, q, arrivals, hops };
}

const msg = (body: string, extra: Partial<NewMessage> = {}): NewMessage => ({ body, md5OfBody: md5(body), senderId: 'tester', ...extra });
const bodies = (rs: { message: { body: string } }[]) => rs.map((r) => r.message.body);

function expectAwsError(fn: () => unknown, code: string, message?: string | RegExp): AwsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AwsError);
    expect((e as AwsError).code).toBe(code);
    if (message !== undefined) expect((e as AwsError).message).toMatch(message);
    return e as AwsError;
  }
  throw new Error(`expected ${code}`);
}

describe('visibility timeout', () => {
  it('hides a received message until its visibility timeout ends, then offers it again', () => {
    const { clock, q } = setup({ attributes: { VisibilityTimeout: '30' } });
    q.send(msg('a'));
    const [first] = q.receive(1);
    expect(first!.message.receiveCount).toBe(1);
    expect(q.receive(1)).toEqual([]);
    expect(q.stats()).toEqual({ visible: 0, inflight: 1, delayed: 0 });
    clock.advance(29_999);
    expect(q.receive(1)).toEqual([]);
    clock.advance(1);
    expect(q.stats()).toEqual({ visible: 1, inflight: 0, delayed: 0 });
    const [again] = q.receive(1);
    expect(again!.message.body).toBe('a');
    expect(again!.message.receiveCount).toBe(2);
    expect(again!.receiptHandle).not.toBe(first!.receiptHandle);
  });

  it('uses the receive call’s VisibilityTimeout over the queue’s', () => {
    const { clock, q } = setup();
    q.send(msg('a'));
    q.receive(1, 5);
    clock.advance(5_000);
    expect(bodies(q.receive(1))).toEqual(['a']);
  });

  it('wakes listeners when a visibility timeout ends, with one timer for the whole queue', () => {
    const { clock, q, arrivals, hops } = setup({ attributes: { VisibilityTimeout: '10' } });
    for (let i = 0; i < 50; i++) q.send(msg(`m${i}`));
    arrivals.length = 0;
    expect(q.receive(10)).toHaveLength(10);
    expect(clock.pendingCount).toBe(1);
    clock.advance(10_000);
    expect(arrivals).toEqual([clock.now()]);
    expect(hops.filter((h) => h.type === 'sqs.visibility-expired')).toHaveLength(10);
    expect(q.stats().visible).toBe(50);
  });

  it('ChangeMessageVisibility to 0 makes the message visible at once', () => {
    const { q } = setup();
    q.send(msg('a'));
    const [r] = q.receive(1);
    q.changeVisibility(r!.receiptHandle, 0);
    expect(bodies(q.receive(1))).toEqual(['a']);
  });

  it('ChangeMessageVisibility extends the timeout, but not past 12 hours in total', () => {
    const { clock, q } = setup({ attributes: { VisibilityTimeout: '30' } });
    q.send(msg('a'));
    const [r] = q.receive(1);
    q.changeVisibility(r!.receiptHandle, 120);
    clock.advance(60_000);
    expect(q.receive(1)).toEqual([]);
    clock.advance(60_000);
    expect(q.stats().visible).toBe(1);
    const [r2] = q.receive(1);
    clock.advance(20_000);
    expectAwsError(
      () => q.changeVisibility(r2!.receiptHandle, 43_200),
      'InvalidParameterValue',
      'Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
    );
  });

  it('refuses ChangeMessageVisibility for a message that is not in flight', () => {
    const { clock, q } = setup({ attributes: { VisibilityTimeout: '1' } });
    q.send(msg('a'));
    const [r] = q.receive(1);
    clock.advance(1_000);
    expectAwsError(() => q.changeVisibility(r!.receiptHandle, 10), 'MessageNotInflight');
  });

  it('rejects receipt handles that are not ours', () => {
    const { q } = setup();
    expectAwsError(() => q.delete('not-a-handle'), 'ReceiptHandleIsInvalid', 'The input receipt handle "not-a-handle" is not a valid receipt handle.');
    expectAwsError(() => q.changeVisibility('bm9wZQ==', 1), 'ReceiptHandleIsInvalid');
  });
});

describe('delete', () => {
  it('deletes with the latest receipt handle; an older handle succeeds without deleting (standard)', () => {
    const { clock, q } = setup({ attributes: { VisibilityTimeout: '1' } });
    q.send(msg('a'));
    const [old] = q.receive(1);
    clock.advance(1_000);
    const [latest] = q.receive(1);
    q.delete(old!.receiptHandle);
    expect(q.stats().inflight).toBe(1);
    q.delete(latest!.receiptHandle);
    expect(q.stats()).toEqual({ visible: 0, inflight: 0, delayed: 0 });
    q.delete(latest!.receiptHandle); // already deleted: still fine
  });

  it('on FIFO queues an expired receipt handle is an error', () => {
    const { clock, q } = setup({ fifo: true, attributes: { VisibilityTimeout: '1' } });
    q.send(msg('a', { groupId: 'g', dedupId: '1' }));
    const [r] = q.receive(1);
    clock.advance(1_000);
    expectAwsError(() => q.delete(r!.receiptHandle), 'InvalidParameterValue', /The receipt handle has expired/);
  });
});

describe('delays', () => {
  it('holds messages back for the queue’s DelaySeconds and announces them when due', () => {
    const { clock, q, arrivals } = setup({ attributes: { DelaySeconds: '10' } });
    q.send(msg('a'));
    expect(q.stats()).toEqual({ visible: 0, inflight: 0, delayed: 1 });
    expect(arrivals).toEqual([]);
    expect(q.receive(1)).toEqual([]);
    clock.advance(10_000);
    expect(arrivals).toHaveLength(1);
    expect(bodies(q.receive(1))).toEqual(['a']);
  });

  it('per-message DelaySeconds overrides the queue’s on standard queues', () => {
    const { clock, q } = setup({ attributes: { DelaySeconds: '10' } });
    q.send(msg('late', { delaySeconds: 20 }));
    q.send(msg('now', { delaySeconds: 0 }));
    expect(bodies(q.receive(10))).toEqual(['now']);
    clock.advance(19_999);
    expect(q.receive(1)).toEqual([]);
    clock.advance(1);
    expect(bodies(q.receive(1))).toEqual(['late']);
  });

  it('FIFO queues reject a per-message delay', () => {
    const { q } = setup({ fifo: true });
    expectAwsError(
      () => q.send(msg('a', { groupId: 'g', dedupId: 'd', delaySeconds: 5 })),
      'InvalidParameterValue',
      'Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
    );
  });
});

describe('retention', () => {
  it('drops messages older than MessageRetentionPeriod, in flight or not', () => {
    const { clock, q, hops } = setup({ attributes: { MessageRetentionPeriod: '60', VisibilityTimeout: '600' } });
    q.send(msg('a'));
    q.send(msg('b'));
    clock.advance(30_000);
    q.send(msg('c'));
    q.receive(1);
    clock.advance(30_000);
    expect(q.stats()).toEqual({ visible: 1, inflight: 0, delayed: 0 });
    expect(q.snapshot().map((m) => m.body)).toEqual(['c']);
    expect(hops.filter((h) => h.type === 'sqs.expired')).toHaveLength(2);
  });
});

describe('redrive', () => {
  it('hands a message to the dead-letter hook on the receive after maxReceiveCount', () => {
    const moved: string[] = [];
    const { clock, q } = setup({
      attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq', maxReceiveCount: 2 }) },
      redrive: (_from, m) => (moved.push(m.body), true),
    });
    q.send(msg('poison'));
    expect(q.receive(1)).toHaveLength(1);
    clock.advance(1_000);
    expect(q.receive(1)[0]!.message.receiveCount).toBe(2);
    clock.advance(1_000);
    expect(q.receive(1)).toEqual([]);
    expect(moved).toEqual(['poison']);
    expect(q.stats()).toEqual({ visible: 0, inflight: 0, delayed: 0 });
  });

  it('keeps the message when the dead-letter queue cannot take it', () => {
    const { clock, q } = setup({
      attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:gone', maxReceiveCount: 1 }) },
      redrive: () => false,
    });
    q.send(msg('a'));
    q.receive(1);
    clock.advance(1_000);
    expect(q.receive(1)[0]!.message.receiveCount).toBe(2);
  });
});

describe('FIFO', () => {
  it('keeps order within a group and blocks a group while any of its messages is in flight', () => {
    const { q } = setup({ fifo: true });
    q.send(msg('g1-a', { groupId: 'g1', dedupId: '1' }));
    q.send(msg('g1-b', { groupId: 'g1', dedupId: '2' }));
    q.send(msg('g2-a', { groupId: 'g2', dedupId: '3' }));
    const [first] = q.receive(1);
    expect(first!.message.body).toBe('g1-a');
    expect(bodies(q.receive(10))).toEqual(['g2-a']);
    expect(q.receive(10)).toEqual([]);
    q.delete(first!.receiptHandle);
    expect(bodies(q.receive(10))).toEqual(['g1-b']);
  });

  it('announces an arrival when deleting a message unblocks its group', () => {
    const { q, arrivals } = setup({ fifo: true });
    q.send(msg('a', { groupId: 'g', dedupId: '1' }));
    q.send(msg('b', { groupId: 'g', dedupId: '2' }));
    const [a] = q.receive(1);
    expect(q.receive(1)).toEqual([]);
    const before = arrivals.length;
    q.delete(a!.receiptHandle);
    expect(arrivals.length).toBe(before + 1);
  });

  it('returns as many messages of one group as it can, in order', () => {
    const { q } = setup({ fifo: true });
    for (let i = 0; i < 5; i++) q.send(msg(`a${i}`, { groupId: 'a', dedupId: `a${i}` }));
    for (let i = 0; i < 5; i++) q.send(msg(`b${i}`, { groupId: 'b', dedupId: `b${i}` }));
    expect(bodies(q.receive(7))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1']);
    expect(q.receive(10)).toEqual([]);
  });

  it('offers the group again, first message first, when the visibility timeout runs out', () => {
    const { clock, q } = setup({ fifo: true, attributes: { VisibilityTimeout: '5' } });
    q.send(msg('1', { groupId: 'g', dedupId: '1' }));
    q.send(msg('2', { groupId: 'g', dedupId: '2' }));
    q.receive(1);
    clock.advance(5_000);
    expect(bodies(q.receive(10))).toEqual(['1', '2']);
  });

  it('gives sequence numbers that grow', () => {
    const { q } = setup({ fifo: true });
    const a = q.send(msg('a', { groupId: 'g', dedupId: '1' })).sequenceNumber!;
    const b = q.send(msg('b', { groupId: 'h', dedupId: '2' })).sequenceNumber!;
    expect(a).toMatch(/^\d{20}$/);
    expect(BigInt(b) > BigInt(a)).toBe(true);
  });

  it('deduplicates by MessageDeduplicationId for 5 minutes, even after the message was deleted', () => {
    const { clock, q } = setup({ fifo: true });
    const first = q.send(msg('a', { groupId: 'g', dedupId: 'same' }));
    const dup = q.send(msg('a again', { groupId: 'g', dedupId: 'same' }));
    expect(dup).toEqual({ messageId: first.messageId, sequenceNumber: first.sequenceNumber, duplicate: true });
    const [r] = q.receive(10);
    expect(r!.message.body).toBe('a');
    q.delete(r!.receiptHandle);
    clock.advance(4 * 60_000);
    expect(q.send(msg('a', { groupId: 'g', dedupId: 'same' })).duplicate).toBe(true);
    expect(q.stats().visible).toBe(0);
    clock.advance(60_000);
    const fresh = q.send(msg('a', { groupId: 'g', dedupId: 'same' }));
    expect(fresh.duplicate).toBe(false);
    expect(fresh.messageId).not.toBe(first.messageId);
  });

  it('deduplicates by the SHA-256 of the body with ContentBasedDeduplication (explicit ids win)', () => {
    const { q } = setup({ fifo: true, attributes: { ContentBasedDeduplication: 'true' } });
    expect(q.send(msg('x', { groupId: 'g' })).duplicate).toBe(false);
    expect(q.send(msg('x', { groupId: 'other' })).duplicate).toBe(true);
    expect(q.send(msg('x', { groupId: 'g', dedupId: 'explicit' })).duplicate).toBe(false);
    const [r] = q.receive(1);
    expect(r!.message.dedupId).toBe(createHash('sha256').update('x').digest('hex'));
  });

  it('scopes deduplication to the group with DeduplicationScope=messageGroup', () => {
    const { q } = setup({ fifo: true, attributes: { DeduplicationScope: 'messageGroup' } });
    expect(q.send(msg('x', { groupId: 'a', dedupId: 'd' })).duplicate).toBe(false);
    expect(q.send(msg('x', { groupId: 'b', dedupId: 'd' })).duplicate).toBe(false);
    expect(q.send(msg('x', { groupId: 'a', dedupId: 'd' })).duplicate).toBe(true);
  });

  it('requires a MessageGroupId and a deduplication id', () => {
    const { q } = setup({ fifo: true });
    expectAwsError(() => q.send(msg('a', { dedupId: 'd' })), 'MissingParameter', 'The request must contain the parameter MessageGroupId.');
    expectAwsError(
      () => q.send(msg('a', { groupId: 'g' })),
      'InvalidParameterValue',
      'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
  });

  it('returns the same messages for a retried ReceiveRequestAttemptId', () => {
    const { q } = setup({ fifo: true });
    q.send(msg('a', { groupId: 'g', dedupId: '1' }));
    q.send(msg('b', { groupId: 'h', dedupId: '2' }));
    const first = q.receive(1, undefined, 'attempt-1');
    const retry = q.receive(1, undefined, 'attempt-1');
    expect(bodies(retry)).toEqual(bodies(first));
    expect(retry[0]!.message.receiveCount).toBe(1);
    expect(bodies(q.receive(1, undefined, 'attempt-2'))).toEqual(['b']);
  });
});

describe('standard queues', () => {
  it('refuses a MessageDeduplicationId', () => {
    const { q } = setup();
    expectAwsError(() => q.send(msg('a', { dedupId: 'x' })), 'InvalidParameterValue', /not valid for this queue type/);
  });

  it('purges every message, in flight and delayed included', () => {
    const { q } = setup();
    q.send(msg('a'));
    q.send(msg('b', { delaySeconds: 30 }));
    q.send(msg('c'));
    q.receive(1);
    expect(q.purge()).toBe(3);
    expect(q.stats()).toEqual({ visible: 0, inflight: 0, delayed: 0 });
    expect(q.receive(10)).toEqual([]);
  });
});

describe('long polling support', () => {
  it('wakes a waiter on send and times out on the clock otherwise', async () => {
    const { clock, q } = setup();
    let woke = false;
    const w = q.waitForArrival(20_000);
    void w.promise.then(() => (woke = true));
    q.send(msg('a'));
    await w.promise;
    expect(woke).toBe(true);

    let timedOut = false;
    const w2 = q.waitForArrival(1_000);
    void w2.promise.then(() => (timedOut = true));
    await Promise.resolve();
    expect(timedOut).toBe(false);
    clock.advance(1_000);
    await w2.promise;
    expect(timedOut).toBe(true);
  });
});

describe('scale', () => {
  it('keeps one timer for 100,000 in-flight messages and drops stale bookkeeping', () => {
    let id = 0;
    const { clock, q } = setup({ attributes: { VisibilityTimeout: '30' }, newId: () => `m-${id++}` });
    for (let i = 0; i < 100_000; i++) q.send(msg(`m${i}`));
    const handles: string[] = [];
    for (let i = 0; i < 10_000; i++) for (const r of q.receive(10)) handles.push(r.receiptHandle);
    expect(handles).toHaveLength(100_000);
    expect(clock.pendingCount).toBe(1);
    for (const h of handles) q.delete(h);
    expect(q.stats()).toEqual({ visible: 0, inflight: 0, delayed: 0 });
    clock.advance(30_000);
    expect(clock.pendingCount).toBe(0);
    expect(q.snapshot()).toEqual([]);
  });
});
