import { compareSequencers, expect, scenario, staleArrivals, type Upload } from '../harness/scenario';
import type { ScenarioContext } from '../harness/scenario';
import { csv, csvRowCount } from './support';

// The delivery bugs AWS allows, made to happen on purpose by the emulator's seeded fault injector
// (emulatorFaults: each scenario runs on an emulator of its own, on virtual time, seeded from the run's seed).
// Each ends with the conservation ledger: every write processed, dead-lettered, filtered or coalesced.

/** Hop fields are unknown to the type system; these carry strings. */
const str = (v: unknown): string => String(v);

/** Writes `bodies` to one key, one after another, at one emulated instant (no notification can slip in between). */
function overwrite(s: ScenarioContext, key: string, bodies: string[]): Promise<Upload[]> {
  return s.atOnce(async () => {
    const out: Upload[] = [];
    for (const body of bodies) out.push(await s.upload(key, body));
    return out;
  });
}

// S3 may deliver a notification more than once: every event goes out twice here, and each copy is processed.
// The processor's report key is a function of (key, version), so the second copy rewrites the same report.
scenario('duplicate notifications leave one report per version', { topology: 'queue', versioning: true, emulatorFaults: 'duplicate=1' }, async (s) => {
  const uploads = await s.uploadMany([1, 2, 3].map((i) => ({ key: `data/dup-${i}.csv`, body: csv(s.random, i + s.random.int(1, 5)) })));
  for (const u of uploads) {
    await s.expectReport(u, (r) => expect(r.rows).toBe(csvRowCount(u.body)));
    await s.expectLogs('processor', (e) => e.msg === 'processed' && e.object === `s3://${s.bucket}/${u.key}?versionId=${u.versionId}`, 2);
  }
  expect(s.hops('fault.duplicate')).toHaveLength(3);
  const ledger = await s.expectConservation();
  expect(ledger.counts.processed).toBe(3);
  // Two writes of each report, to the same key with the same bytes: idempotent, not a duplicated side effect.
  expect(ledger.rewrites.map((r) => r.writes)).toEqual([2, 2, 2]);
  await s.expectReportCount(3);
});

// The events S3 sends to EventBridge carry the same caveat: each one is delivered twice here, through the rule and
// the queue, and the second copy rewrites the same report.
scenario('duplicate S3 events through EventBridge leave one report per version', { topology: 'eventbridge', versioning: true, emulatorFaults: 'duplicate=1' }, async (s) => {
  const uploads = await s.uploadMany([1, 2].map((i) => ({ key: `data/eb-${i}.csv`, body: csv(s.random, i + s.random.int(1, 5)) })));
  for (const u of uploads) {
    await s.expectReport(u, (r) => expect(r.rows).toBe(csvRowCount(u.body)));
    await s.expectLogs('processor', (e) => e.msg === 'processed' && e.object === `s3://${s.bucket}/${u.key}?versionId=${u.versionId}`, 2);
  }
  // The bucket sends every event to the bus (the reports' own writes too: the rule filters those out), so only the
  // data objects' duplicates are the ones that matter here.
  expect(s.hops('fault.duplicate').filter((h) => String(h.key).startsWith('data/'))).toHaveLength(2);
  // Two copies of each event reached the rule's probe too, with the same event id.
  expect((await s.expectDeliveries('objects', 2)).map((e) => e.json.detail.object.key).sort()).toEqual(['data/eb-1.csv', 'data/eb-2.csv']);
  const ledger = await s.expectConservation();
  expect(ledger.counts.processed).toBe(2);
  expect(ledger.rewrites.map((r) => r.writes)).toEqual([2, 2]);
});

// The same duplicates against a handler that is NOT idempotent (HARNESS_FAULTS appendReports: every delivery
// writes a report object of its own): conservation catches the duplicated side effect.
scenario(
  'a handler that is not idempotent is caught by duplicate notifications',
  { topology: 'queue', versioning: true, emulatorFaults: 'duplicate=1', faults: { appendReports: true } },
  async (s) => {
    const uploads = await s.uploadMany([1, 2].map((i) => ({ key: `data/twice-${i}.csv`, body: csv(s.random, i + 1) })));
    await s.expectReportCount(4);
    const ledger = await s.ledger();
    expect(ledger.inFlight).toEqual([]);
    expect(ledger.duplicates.map((d) => d.object).sort()).toEqual(uploads.map((u) => `${u.bucket}/${u.key}@${u.versionId}`).sort());
    for (const d of ledger.duplicates) expect(d.reports).toHaveLength(2);
    await expect(s.expectConservation()).rejects.toThrow(/duplicated side effects \(2\)/);
  },
);

// On an unversioned bucket S3 may send one event for several quick writes to a key. Four writes, one event:
// the three earlier writes are coalesced (no event of their own), the last write wins.
scenario(
  'coalesced notifications on an unversioned bucket: the last write wins',
  { topology: 'queue', versioning: false, emulatorFaults: 'coalesce-unversioned' },
  async (s) => {
    const writes = await overwrite(s, 'data/hot.csv', [1, 2, 3, 4].map((n) => csv(s.random, n)));
    const last = writes[writes.length - 1]!;
    await s.expectReport('data/hot.csv', (r) => {
      expect(r.etag).toBe(last.etag);
      expect(r.rows).toBe(4);
    });
    const ledger = await s.expectConservation();
    expect(ledger.entries.map((e) => e.outcome)).toEqual(['coalesced', 'coalesced', 'coalesced', 'processed']);
    expect(s.hops('fault.coalesced')).toHaveLength(3);
    expect(await s.countLogged('processor', 'processed', 'data/hot.csv')).toBe(1);
  },
);

// The same writes on a versioned bucket are four versions, four events, four reports: nothing is coalesced.
scenario(
  'coalescing spares a versioned bucket: every version is reported',
  { topology: 'queue', versioning: true, emulatorFaults: 'coalesce-unversioned' },
  async (s) => {
    const writes = await overwrite(s, 'data/hot.csv', [1, 2, 3, 4].map((n) => csv(s.random, n)));
    for (const w of writes) await s.expectReport(w, (r) => expect(r.rows).toBe(csvRowCount(w.body)));
    const ledger = await s.expectConservation();
    expect(ledger.counts).toMatchObject({ processed: 4, coalesced: 0 });
    expect(s.hops('fault.coalesced')).toEqual([]);
  },
);

// Notifications can arrive late and out of order. Three writes to one key at one instant, every notification
// delayed 5–60 s: each arrives after the last overwrite, in a seeded order. S3's `sequencer` (comparable
// within one key) tells the stale ones apart. The data processor does not compare sequencers: its reports
// stay right only because it reads the object when an event arrives instead of the version the event names —
// and a stale create event for an object deleted meanwhile fails until it is dead-lettered (a false alert).
scenario(
  'a delayed notification arrives after a later overwrite',
  { topology: 'queue', versioning: false, emulatorFaults: 'delay=5s..60s' },
  async (s) => {
    const writes = await overwrite(s, 'data/latest.csv', [2, 3, 4].map((n) => csv(s.random, n)));
    await s.atOnce(async () => {
      await s.upload('data/gone.csv', csv(s.random, 1));
      await s.delete('data/gone.csv');
    });
    const last = writes[writes.length - 1]!;

    // Every event is processed, the stale ones too; the report shows the last write.
    await s.expectLogs('processor', (e) => e.msg === 'processed' && e.object === `s3://${s.bucket}/data/latest.csv`, 3);
    await s.expectReport('data/latest.csv', (r) => {
      expect(r.etag).toBe(last.etag);
      expect(r.rows).toBe(4);
    });

    // The hazard, from the trace: written at one instant, each event reached the queue after the last overwrite.
    const written = s.hops('s3.write').filter((h) => h.key === 'data/latest.csv');
    const arrived = s.hops('sqs.send').filter((h) => h.key === 'data/latest.csv');
    expect(written).toHaveLength(3);
    expect(arrived).toHaveLength(3);
    const lastWriteAt = Math.max(...written.map((h) => h.time));
    for (const a of arrived) expect(a.time).toBeGreaterThan(lastWriteAt);
    // Comparing sequencers: sorted by sequencer, the events are in write order whatever order they arrived in,
    // and all but the newest are stale.
    const newest = str(written[written.length - 1]!.sequencer);
    expect([...arrived].sort((a, b) => compareSequencers(str(a.sequencer), str(b.sequencer))).map((a) => a.sequencer)).toEqual(written.map((w) => w.sequencer));
    expect(arrived.filter((a) => compareSequencers(str(a.sequencer), newest) < 0)).toHaveLength(2);
    s.log(`arrival order by write: ${arrived.map((a) => written.findIndex((w) => w.sequencer === a.sequencer) + 1).join(', ')}; ${staleArrivals(arrived).length} arrived after a newer one`);

    // The bug: gone.csv's create event comes after its delete. The processor fetches an object that no longer
    // exists, fails on every receive, and the event is dead-lettered with an alert. Its sequencer is older than
    // the delete's: a handler that compared sequencers would have dropped it.
    const [alert] = await s.expectAlerts(1, { match: (a) => a.json.key === 'data/gone.csv' });
    expect(alert!.json.sourceQueue).toBe(s.resources.queues['events-dlq']!.arn);
    await s.expectLogs('processor', (e) => e.level === 'error' && /NoSuchKey|does not exist/i.test(String(e.error)), { atLeast: 1 });
    const created = s.hops('s3.write').find((h) => h.key === 'data/gone.csv')!;
    const deleted = s.hops('s3.delete').find((h) => h.key === 'data/gone.csv')!;
    expect(compareSequencers(str(created.sequencer), str(deleted.sequencer))).toBeLessThan(0);

    const ledger = await s.expectConservation();
    expect(ledger.entries.map((e) => `${e.write.key} ${e.write.op}: ${e.outcome}`)).toEqual([
      'data/latest.csv put: coalesced',
      'data/latest.csv put: coalesced',
      'data/latest.csv put: processed',
      'data/gone.csv put: coalesced',
      'data/gone.csv delete: processed',
    ]);
  },
);

// Throttling on top of a poison object, S3 → Lambda (asynchronous invoke): the first two invocations are
// throttled, which Lambda retries without using up the event's retries (as on AWS). Then the poison object
// fails its attempt and its retry and goes to the Lambda DLQ, which raises an alert; the good objects are
// processed. (Direct, not through SQS: S3's s3:TestEvent would reach an SQS-fed processor first and use up
// throttles at a moment that depends on the deploy, so which invocation is throttled would not be fixed.)
scenario(
  'a poison message under throttling still ends in the DLQ with an alert',
  { topology: 'direct', asyncRetries: 1, emulatorFaults: 'throttle:processor=2', faults: { fail: { keys: ['data/poison.csv'] } } },
  async (s) => {
    const uploads = await s.atOnce(() =>
      s.uploadMany([
        { key: 'data/poison.csv', body: csv(s.random, 3) },
        { key: 'data/good-1.csv', body: csv(s.random, 2) },
        { key: 'data/good-2.csv', body: csv(s.random, 5) },
      ]),
    );
    const [alert] = await s.expectAlerts(1, { match: (a) => a.json.key === 'data/poison.csv' });
    expect(alert!.json.sourceQueue).toBe(s.resources.queues['processor-dlq']!.arn);
    expect(alert!.json.error).toContain('data/poison.csv');
    for (const u of uploads.slice(1)) await s.expectReport(u, (r) => expect(r.rows).toBe(csvRowCount(u.body)));
    expect(s.hops('fault.throttle')).toHaveLength(2);
    expect(s.hops('lambda.retry').filter((h) => h.reason === 'throttle')).toHaveLength(2);
    // Four invocations ran: the good objects once each, the poison object's attempt and its one retry. The
    // throttled calls never started and did not use up a retry.
    await s.expectInvocations('processor', 4);
    expect(await s.countLogged('processor', 'processed', 'data/poison.csv')).toBe(0);
    const ledger = await s.expectConservation();
    expect(ledger.entries.map((e) => `${e.write.key}: ${e.outcome}`)).toEqual(['data/poison.csv: dead-lettered', 'data/good-1.csv: processed', 'data/good-2.csv: processed']);
  },
);
