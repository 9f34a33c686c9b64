import { checkPrefix, s3EventPattern, validatePipeline } from '../../deploy-scripts/pipeline';
import { buildPipeline } from '../../deploy-scripts/topologies';
import { createRandom, resolveSeed } from '../../harness/random';
import { scenarioPrefix } from '../../harness/scenario/runner';

describe('topologies', () => {
  it('queue: S3 → SQS (DLQ by redrive) → processor; the DLQ feeds the error handler; alerts are probed', () => {
    const p = buildPipeline('queue', { prefix: 't1' });
    expect(p.buckets[0]!.notifications!.map((n) => [n.target, n.prefix, n.suffix])).toEqual([
      [{ queue: 'events' }, 'data/', '.csv'],
      [{ queue: 'events' }, 'data/', '.json'],
    ]);
    expect(p.queues.find((q) => q.id === 'events')!.deadLetter).toEqual({ queue: 'events-dlq', maxReceiveCount: 5 });
    expect(p.mappings.map((m) => `${m.queue}→${m.function}`)).toEqual(['events→processor', 'events-dlq→error-handler']);
    // The DLQ is the error handler's source queue, so it has a DLQ too.
    expect(p.queues.find((q) => q.id === 'events-dlq')!.deadLetter).toEqual({ queue: 'error-handler-dlq', maxReceiveCount: 5 });
    expect(p.queues.find((q) => q.id === 'error-handler-dlq')!.deadLetter).toBeUndefined();
    expect(p.probes).toEqual({ alerts: 'probe-alerts' });
  });

  it('queues default to the visibility timeout AWS recommends: six times the function timeout plus the batching window', () => {
    const p = buildPipeline('queue', { prefix: 't6', functionTimeoutSeconds: 7, batchWindowSeconds: 2 });
    expect(new Set(p.queues.map((q) => q.visibilityTimeoutSeconds))).toEqual(new Set([44]));
    const chosen = buildPipeline('queue', { prefix: 't6', visibilityTimeoutSeconds: 12, maxReceiveCount: 2 });
    expect(new Set(chosen.queues.map((q) => q.visibilityTimeoutSeconds))).toEqual(new Set([12]));
    expect(chosen.queues.find((q) => q.id === 'events')!.deadLetter!.maxReceiveCount).toBe(2);
  });

  it('without the error handler the DLQs keep their messages: no redrive out of them', () => {
    const p = buildPipeline('fanout', { prefix: 't7', errorHandler: false });
    const dlqs = p.queues.filter((q) => q.id.endsWith('-dlq'));
    expect(dlqs.map((q) => q.id).sort()).toEqual(['processor', 'audit', 'archive'].flatMap((c) => [`${c}-dlq`, `${c}-subscription-dlq`]).sort());
    expect(dlqs.filter((q) => q.deadLetter)).toEqual([]);
  });

  it('direct: S3 invokes the processor asynchronously, failures go to a Lambda DLQ', () => {
    const p = buildPipeline('direct', { prefix: 't2', asyncRetries: 1 });
    expect(p.buckets[0]!.notifications![0]!.target).toEqual({ function: 'processor' });
    expect(p.functions.find((f) => f.id === 'processor')!.async).toEqual({ maxRetries: 1, deadLetterQueue: 'processor-dlq' });
    expect(p.mappings.map((m) => `${m.queue}→${m.function}`)).toEqual(['processor-dlq→error-handler']);
  });

  it('fanout: S3 → SNS → three queues (enveloped, raw, filtered), each with a DLQ and a function', () => {
    const p = buildPipeline('fanout', { prefix: 't3' });
    expect(p.subscriptions.filter((s) => !s.queue.startsWith('probe-')).map((s) => [s.queue, Boolean(s.raw), Boolean(s.filterPolicy)])).toEqual([
      ['processor', false, false],
      ['audit', true, false],
      ['archive', false, true],
    ]);
    // What SNS cannot deliver to a consumer's queue goes to its subscription's DLQ, which the error handler reads too.
    expect(p.subscriptions.filter((s) => !s.queue.startsWith('probe-')).map((s) => s.deadLetterQueue)).toEqual(['processor-subscription-dlq', 'audit-subscription-dlq', 'archive-subscription-dlq']);
    expect(p.mappings.filter((m) => m.function === 'error-handler').map((m) => m.queue).sort()).toEqual(
      ['processor', 'audit', 'archive'].flatMap((c) => [`${c}-dlq`, `${c}-subscription-dlq`]).sort(),
    );
    expect(Object.keys(p.probes).sort()).toEqual(['alerts', 'events']);
  });

  it('fifo adds a FIFO queue with a FIFO DLQ and no batching window', () => {
    const p = buildPipeline('queue', { prefix: 't4', fifo: true });
    expect(p.queues.filter((q) => q.fifo).map((q) => q.id)).toEqual(['fifo-dlq', 'fifo', 'error-handler-fifo-dlq']);
    // A FIFO queue's DLQ must be FIFO: the error handler's FIFO source redrives to a FIFO queue of its own.
    expect(p.queues.find((q) => q.id === 'fifo-dlq')!.deadLetter!.queue).toBe('error-handler-fifo-dlq');
    expect(p.queues.find((q) => q.id === 'events-dlq')!.deadLetter!.queue).toBe('error-handler-dlq');
    expect(p.mappings.find((m) => m.queue === 'fifo')!.maximumBatchingWindowSeconds).toBeUndefined();
  });

  it('eventbridge: the bucket sends its events to EventBridge; a rule on them feeds the queue, with a target DLQ', () => {
    const p = buildPipeline('eventbridge', { prefix: 't8' });
    expect(p.buckets[0]).toMatchObject({ id: 'data', eventBridge: true });
    expect(p.buckets[0]!.notifications).toEqual([]);
    expect(p.rules).toEqual([
      {
        id: 'objects',
        events: { bucket: 'data', created: true, deleted: true, prefix: 'data/', suffixes: ['.csv', '.json'] },
        target: { queue: 'events' },
        deadLetterQueue: 'events-rule-dlq',
        probe: 'probe-objects',
      },
    ]);
    expect(p.probes).toEqual({ objects: 'probe-objects', alerts: 'probe-alerts' });
    expect(p.mappings.map((m) => `${m.queue}→${m.function}`).sort()).toEqual(['events-dlq→error-handler', 'events-rule-dlq→error-handler', 'events→processor']);
    expect(buildPipeline('eventbridge', { prefix: 't8', deleteEvents: false }).rules![0]!.events.deleted).toBe(false);

    // ruleTarget 'function': the rule invokes the processor, which retries and then uses its own DLQ.
    const direct = buildPipeline('eventbridge', { prefix: 't8', ruleTarget: 'function', asyncRetries: 1 });
    expect(direct.rules![0]!.target).toEqual({ function: 'processor' });
    expect(direct.functions.find((f) => f.id === 'processor')!.async).toEqual({ maxRetries: 1, deadLetterQueue: 'processor-dlq' });
    expect(direct.queues.map((q) => q.id)).not.toContain('events');
    expect(direct.mappings.map((m) => `${m.queue}→${m.function}`).sort()).toEqual(['events-rule-dlq→error-handler', 'processor-dlq→error-handler']);
  });

  it('a rule\'s pattern: S3 as the source, the bucket by name, prefix and suffix joined by a wildcard', () => {
    expect(s3EventPattern({ bucket: 'data', created: true, deleted: false, prefix: 'in/*x', suffixes: ['.csv', '.\\j'] }, 'p-data')).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['p-data'] }, object: { key: [{ wildcard: 'in/\\*x*.csv' }, { wildcard: 'in/\\*x*.\\\\j' }] } },
    });
    expect(s3EventPattern({ bucket: 'data', created: true, deleted: true, prefix: 'in/' }, 'b').detail).toEqual({ bucket: { name: ['b'] }, object: { key: [{ prefix: 'in/' }] } });
    expect(s3EventPattern({ bucket: 'data', created: false, deleted: true }, 'b')).toEqual({ source: ['aws.s3'], 'detail-type': ['Object Deleted'], detail: { bucket: { name: ['b'] } } });
  });

  it('rejects dangling references and bad prefixes before anything is created', () => {
    const p = buildPipeline('queue', { prefix: 't5' });
    p.mappings.push({ function: 'nope', queue: 'events' });
    expect(() => validatePipeline(p)).toThrow(/unknown function "nope"/);
    expect(() => checkPrefix('Bad_Prefix')).toThrow(/invalid resource prefix/);
    const eb = buildPipeline('eventbridge', { prefix: 't5' });
    eb.buckets[0]!.eventBridge = false;
    expect(() => validatePipeline(eb)).toThrow(/rule objects: bucket data does not send its events to EventBridge/);
    expect(() => checkPrefix('a'.repeat(40))).toThrow(/longer than/);
  });
});

describe('prefixes and seeds', () => {
  it('scenario prefixes are valid resource names and unique per run', () => {
    const a = scenarioPrefix('Concurrent writes on a versioned bucket give one report per version');
    const b = scenarioPrefix('Concurrent writes on a versioned bucket give one report per version');
    expect(checkPrefix(a)).toBe(a);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^seh-concurrent-write-[0-9a-f]{6}$/);
  });

  it('the same seed gives the same randomness; derived streams differ per label', () => {
    const draw = (seed: number) => {
      const r = createRandom(seed);
      return [r.int(0, 1000), r.word(8), r.shuffle([1, 2, 3, 4, 5]).join('')];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(createRandom(1).derive('a').next()).not.toBe(createRandom(1).derive('b').next());
  });

  it('reads the seed from --seed, then HARNESS_SEED, and rejects garbage', () => {
    expect(resolveSeed('7', { HARNESS_SEED: '9' })).toBe(7);
    expect(resolveSeed(undefined, { HARNESS_SEED: '9' })).toBe(9);
    expect(() => resolveSeed('x', {})).toThrow(/seed must be an integer/);
  });
});
