import type { PipelineSpec, Resources } from '../../deploy-scripts/pipeline';
import { buildPipeline, type TopologyOptions } from '../../deploy-scripts/topologies';
import {
  account,
  conservationProblems,
  eventMatches,
  formatLedger,
  sinksOf,
  type LedgerInput,
  type LedgerWrite,
  type ObservedReport,
  type SinkObservation,
} from '../../harness/scenario/conservation';
import { parseObjectUrl } from '../../harness/scenario/conservation-observe';
import { staleArrivals } from '../../harness/scenario/s3-events';

// The conservation ledger's bookkeeping, on hand-made observations: no backend.

const PREFIX = 'p';
const DATA = `${PREFIX}-data`;

/** Resources as deploy() would return them for a pipeline (only what the ledger reads: bucket names and versioning). */
function resourcesOf(spec: PipelineSpec): Resources {
  const buckets = Object.fromEntries(spec.buckets.map((b) => [b.id, { name: `${PREFIX}-${b.id}`, arn: `arn:aws:s3:::${PREFIX}-${b.id}`, versioning: b.versioning }]));
  return { prefix: PREFIX, topology: spec.topology, region: 'us-east-1', accountId: '000000000000', sourceBucket: spec.sourceBucket, buckets, topics: {}, queues: {}, role: { name: 'r', arn: 'r' }, functions: {}, mappings: [], subscriptions: [], probes: spec.probes };
}

function pipeline(topology: 'direct' | 'queue' | 'fanout', options: Omit<TopologyOptions, 'prefix'> = {}) {
  const spec = buildPipeline(topology, { prefix: PREFIX, ...options });
  const resources = resourcesOf(spec);
  return { spec, resources, sinks: sinksOf(spec, resources) };
}

let seq = 0;
const put = (key: string, versionId: string | null, etag: string, extra: Partial<LedgerWrite> = {}): LedgerWrite => ({
  seq: ++seq,
  op: 'put',
  bucket: DATA,
  key,
  versionId,
  etag,
  eventName: 'ObjectCreated:Put',
  via: 'upload',
  ...extra,
});
const del = (key: string, versionId: string | null, eventName = 'ObjectRemoved:Delete'): LedgerWrite => ({ seq: ++seq, op: 'delete', bucket: DATA, key, versionId, eventName, via: 'delete' });
const report = (key: string, versionId: string | null, etag: string, reportKey = `reports/${key}${versionId ? `@${versionId}` : ''}.json`): ObservedReport => ({
  reportKey,
  bucket: DATA,
  key,
  versionId,
  etag,
});
const seen = (o: Partial<SinkObservation> = {}): SinkObservation => ({ reports: [], deadLetters: [], removals: [], ...o });

function input(p: ReturnType<typeof pipeline>, writes: LedgerWrite[], observations: Record<string, SinkObservation>, current: Record<string, string | null> = {}): LedgerInput {
  return {
    writes,
    versioned: Object.fromEntries(Object.values(p.resources.buckets).map((b) => [b.name, b.versioning])),
    sinks: p.sinks,
    observations,
    current: new Map(Object.entries(current).map(([k, v]) => [`${DATA}/${k}`, v])),
  };
}

beforeEach(() => {
  seq = 0;
});

describe('routes from the pipeline', () => {
  it('queue: one sink, reached through the events queue, failures in events-dlq', () => {
    const { sinks } = pipeline('queue');
    expect(sinks.map((s) => [s.id, s.reportBucket, s.dlqs])).toEqual([['processor', DATA, ['events-dlq']]]);
    expect(sinks[0]!.routes[DATA]!.map((r) => [r.via, r.prefix, r.suffix])).toEqual([
      ['queue events', 'data/', '.csv'],
      ['queue events', 'data/', '.json'],
    ]);
  });

  it('direct: the notification targets the function; its async DLQ is the sink DLQ', () => {
    const { sinks } = pipeline('direct');
    expect(sinks.map((s) => [s.id, s.dlqs, s.routes[DATA]![0]!.via])).toEqual([['processor', ['processor-dlq'], 'function processor']]);
  });

  it('fanout: three sinks with their own report buckets; archive drops deletes by its subscription filter', () => {
    const { sinks } = pipeline('fanout');
    expect(sinks.map((s) => [s.id, s.reportBucket, s.dlqs])).toEqual([
      // Each sink's queue DLQ, and its subscription's DLQ (what SNS could not deliver to the queue).
      ['processor', DATA, ['processor-dlq', 'processor-subscription-dlq']],
      ['audit', `${PREFIX}-audit`, ['audit-dlq', 'audit-subscription-dlq']],
      ['archive', `${PREFIX}-archive`, ['archive-dlq', 'archive-subscription-dlq']],
    ]);
    const archive = sinks[2]!.routes[DATA]![0]!;
    expect(archive.accepts!('ObjectCreated:Put')).toBe(true);
    expect(archive.accepts!('ObjectRemoved:Delete')).toBe(false);
  });

  it('S3 event lists match by wildcard', () => {
    expect(eventMatches(['s3:ObjectCreated:*'], 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventMatches(['s3:ObjectCreated:Put'], 'ObjectCreated:Copy')).toBe(false);
    expect(eventMatches(['s3:ObjectCreated:*'], 'ObjectRemoved:Delete')).toBe(false);
  });
});

describe('outcomes', () => {
  it('versioned: a report makes a version processed, an alert dead-lettered, nothing leaves it in flight', () => {
    const p = pipeline('queue', { versioning: true });
    const writes = [put('data/a.csv', 'v1', 'e1'), put('data/a.csv', 'v2', 'e2'), put('data/a.csv', 'v3', 'e3')];
    const ledger = account(
      input(p, writes, { processor: seen({ reports: [report('data/a.csv', 'v1', 'e1')], deadLetters: [{ bucket: DATA, key: 'data/a.csv', versionId: 'v2' }] }) }),
    );
    expect(ledger.entries.map((e) => e.outcome)).toEqual(['processed', 'dead-lettered', 'in-flight']);
    expect(ledger.inFlight.map((e) => e.write.versionId)).toEqual(['v3']);
    expect(ledger.counts).toMatchObject({ processed: 1, 'dead-lettered': 1, 'in-flight': 1 });
    // On a versioned bucket nothing is ever coalesced: a version without an outcome is lost.
    expect(conservationProblems(ledger)).toMatch(/lost events \(1 writes with no outcome\):\n {2}#3 put p-data\/data\/a.csv@v3 — processor: no report, no dead letter/);
  });

  it('unversioned: earlier writes are coalesced; the write S3 kept (HEAD) must have the report', () => {
    const p = pipeline('queue');
    // Concurrent writes: S3 kept #2 although #3 was answered last.
    const writes = [put('data/hot.csv', null, 'e1'), put('data/hot.csv', null, 'e2'), put('data/hot.csv', null, 'e3')];
    const before = account(input(p, writes, { processor: seen({ reports: [report('data/hot.csv', null, 'e1')] }) }, { 'data/hot.csv': 'e2' }));
    expect(before.entries.map((e) => e.outcome)).toEqual(['processed', 'in-flight', 'coalesced']);
    expect(before.inFlight[0]!.outcomes[0]!.detail).toBe("the report is of etag e1, not this write's");
    const after = account(input(p, writes, { processor: seen({ reports: [report('data/hot.csv', null, 'e2')] }) }, { 'data/hot.csv': 'e2' }));
    expect(after.entries.map((e) => [e.outcome, e.outcomes[0]!.detail])).toEqual([
      ['coalesced', 'superseded by #2'],
      ['processed', 'reports/data/hot.csv.json'],
      ['coalesced', 'superseded by #2'],
    ]);
    expect(conservationProblems(after)).toBeUndefined();
  });

  it('unversioned: a dead letter naming the key accounts for the write S3 kept', () => {
    const p = pipeline('queue');
    const ledger = account(input(p, [put('data/bad.csv', null, 'e1')], { processor: seen({ deadLetters: [{ bucket: DATA, key: 'data/bad.csv', versionId: null }] }) }, { 'data/bad.csv': 'e1' }));
    expect(ledger.entries[0]!.outcomes[0]).toEqual({ sink: 'processor', outcome: 'dead-lettered', detail: 'in events-dlq' });
  });

  it('deletes: processed once the function logged the removal; the put before stays processed by its report', () => {
    const p = pipeline('queue');
    const writes = [put('data/gone.csv', null, 'e1'), del('data/gone.csv', null)];
    const pending = account(input(p, writes, { processor: seen({ reports: [report('data/gone.csv', null, 'e1')] }) }, { 'data/gone.csv': null }));
    expect(pending.entries.map((e) => e.outcome)).toEqual(['processed', 'in-flight']);
    const done = account(
      input(p, writes, { processor: seen({ reports: [report('data/gone.csv', null, 'e1')], removals: [{ bucket: DATA, key: 'data/gone.csv', versionId: null }] }) }, { 'data/gone.csv': null }),
    );
    expect(done.entries.map((e) => e.outcome)).toEqual(['processed', 'processed']);
  });

  it('a put superseded by a delete before its event was handled is coalesced, not lost', () => {
    const p = pipeline('queue');
    const writes = [put('data/gone.csv', null, 'e1'), del('data/gone.csv', null)];
    const ledger = account(input(p, writes, { processor: seen({ removals: [{ bucket: DATA, key: 'data/gone.csv', versionId: null }] }) }, { 'data/gone.csv': null }));
    expect(ledger.entries.map((e) => e.outcome)).toEqual(['coalesced', 'processed']);
  });

  it('versioned deletes: the delete marker is matched by its version id', () => {
    const p = pipeline('queue', { versioning: true });
    const writes = [put('data/a.csv', 'v1', 'e1'), del('data/a.csv', 'm1', 'ObjectRemoved:DeleteMarkerCreated')];
    const ledger = account(
      input(p, writes, { processor: seen({ reports: [report('data/a.csv', 'v1', 'e1')], removals: [{ bucket: DATA, key: 'data/a.csv', versionId: 'm1' }] }) }),
    );
    expect(ledger.entries.map((e) => e.outcome)).toEqual(['processed', 'processed']);
  });

  it('filtered: outside the prefix or suffix, or a delete when deletes are not notified', () => {
    const p = pipeline('queue', { deleteEvents: false });
    const writes = [put('other/a.csv', null, 'e1'), put('data/a.txt', null, 'e2'), put('data/b.csv', null, 'e3'), del('data/b.csv', null)];
    const ledger = account(input(p, writes, { processor: seen({ reports: [report('data/b.csv', null, 'e3')] }) }, { 'data/b.csv': null }));
    expect(ledger.entries.map((e) => [e.outcome, e.outcomes[0]!.detail])).toEqual([
      ['filtered', 'no notification matches other/a.csv / ObjectCreated:Put'],
      ['filtered', 'no notification matches data/a.txt / ObjectCreated:Put'],
      // The delete never reaches the function, so the put is the last write it has to show.
      ['processed', 'reports/data/b.csv.json'],
      ['filtered', 'no notification matches data/b.csv / ObjectRemoved:Delete'],
    ]);
    expect(ledger.counts.filtered).toBe(3);
  });

  it('fanout: each sink accounts on its own; archive filters deletes out', () => {
    const p = pipeline('fanout');
    const writes = [put('data/f.csv', null, 'e1'), del('data/f.csv', null)];
    const removal = { bucket: DATA, key: 'data/f.csv', versionId: null };
    const r = report('data/f.csv', null, 'e1');
    const ledger = account(
      input(
        p,
        writes,
        {
          processor: seen({ reports: [r], removals: [removal] }),
          audit: seen({ reports: [r], removals: [removal] }),
          archive: seen({ reports: [r] }),
        },
        { 'data/f.csv': null },
      ),
    );
    expect(ledger.entries[1]!.outcomes.map((o) => `${o.sink}: ${o.outcome}`)).toEqual(['processor: processed', 'audit: processed', 'archive: filtered']);
    expect(ledger.entries[1]!.outcomes[2]!.detail).toBe('ObjectRemoved:Delete dropped by the filter on topic events → queue archive');
    expect(ledger.entries.map((e) => e.outcome)).toEqual(['processed', 'processed']);
    // One sink without its report keeps the write in flight.
    const missing = account(input(p, [put('data/g.csv', null, 'e9')], { processor: seen(), audit: seen(), archive: seen() }, { 'data/g.csv': 'e9' }));
    expect(missing.inFlight[0]!.outcomes.map((o) => o.outcome)).toEqual(['in-flight', 'in-flight', 'in-flight']);
  });
});

describe('duplicated side effects', () => {
  it('two report objects for one version are a duplicated side effect', () => {
    const p = pipeline('queue', { versioning: true });
    const ledger = account(
      input(p, [put('data/a.csv', 'v1', 'e1')], {
        processor: seen({ reports: [report('data/a.csv', 'v1', 'e1', 'reports/data/a.csv@v1.1a2b.json'), report('data/a.csv', 'v1', 'e1', 'reports/data/a.csv@v1.3c4d.json')] }),
      }),
    );
    expect(ledger.entries[0]!.outcome).toBe('processed');
    expect(ledger.duplicates).toEqual([
      expect.objectContaining({ sink: 'processor', object: `${DATA}/data/a.csv@v1`, reports: ['reports/data/a.csv@v1.1a2b.json', 'reports/data/a.csv@v1.3c4d.json'], reason: '2 report objects for one version' }),
    ]);
    expect(ledger.duplicates[0]!.write?.seq).toBe(1);
    expect(conservationProblems(ledger)).toMatch(/duplicated side effects \(1\):/);
  });

  it('the same report written twice with the same bytes is an idempotent rewrite, listed but not a failure', () => {
    const p = pipeline('queue', { versioning: true });
    const r = report('data/a.csv', 'v1', 'e1');
    const ledger = account(input(p, [put('data/a.csv', 'v1', 'e1')], { processor: seen({ reports: [r], reportWrites: new Map([[r.reportKey, { writes: 2, etags: ['x', 'x'] }]]) }) }));
    expect(ledger.duplicates).toEqual([]);
    expect(ledger.rewrites).toEqual([{ sink: 'processor', reportKey: r.reportKey, writes: 2 }]);
    expect(ledger.rewritesCounted).toBe(true);
    expect(conservationProblems(ledger)).toBeUndefined();
    expect(formatLedger(ledger)).toContain(`${r.reportKey} (processor): written 2×`);
  });

  it("a version's report rewritten with other bytes is not idempotent", () => {
    const p = pipeline('queue', { versioning: true });
    const r = report('data/a.csv', 'v1', 'e1');
    const ledger = account(input(p, [put('data/a.csv', 'v1', 'e1')], { processor: seen({ reports: [r], reportWrites: new Map([[r.reportKey, { writes: 2, etags: ['x', 'y'] }]]) }) }));
    expect(ledger.duplicates.map((d) => d.reason)).toEqual(['the report of one version was rewritten with different content']);
  });

  it('says when report writes could not be counted', () => {
    const p = pipeline('queue');
    const ledger = account(input(p, [put('data/a.csv', null, 'e1')], { processor: seen({ reports: [report('data/a.csv', null, 'e1')] }) }, { 'data/a.csv': 'e1' }));
    expect(ledger.rewritesCounted).toBe(false);
    expect(formatLedger(ledger)).toMatch(/report writes not counted/);
  });
});

describe('helpers', () => {
  it('reads the processor\'s object URLs', () => {
    expect(parseObjectUrl('s3://b/data/a b.csv?versionId=v1')).toEqual({ bucket: 'b', key: 'data/a b.csv', versionId: 'v1' });
    expect(parseObjectUrl('s3://b/data/a.csv')).toEqual({ bucket: 'b', key: 'data/a.csv', versionId: null });
    expect(parseObjectUrl(42)).toBeUndefined();
  });

  it('finds events that arrived after a newer one for the same key', () => {
    const arrivals = [
      { key: 'a', sequencer: '0000000002' },
      { key: 'b', sequencer: '0000000001' },
      { key: 'a', sequencer: '0000000001' },
      { key: 'a', sequencer: '0000000003' },
    ];
    expect(staleArrivals(arrivals)).toEqual([{ key: 'a', sequencer: '0000000001' }]);
  });
});
