import { expect, scenario } from '../harness/scenario';
import { csv, csvRowCount } from './support';

// Notifications are for data/*.csv and data/*.json only.
scenario('prefix and suffix filtering', { topology: 'queue' }, async (s) => {
  await s.upload('other/a.csv', csv(s.random, 1));
  await s.upload('data/a.txt', 'not a report');
  await s.upload('data/a.csv.bak', csv(s.random, 1));
  await s.upload('DATA/a.csv', csv(s.random, 1));
  await s.expectNothing({ within: '2s' });
  expect(await s.reports()).toEqual([]);
  // The control: the same pipeline does pick up a matching key.
  await s.upload('data/a.csv', csv(s.random, 4));
  await s.expectReport('data/a.csv', (r) => expect(r.rows).toBe(4));
  await s.expectReportCount(1);
  const ledger = await s.expectConservation();
  expect(ledger.counts).toMatchObject({ filtered: 4, processed: 1 });
});

// S3 → SNS → three SQS queues (enveloped, raw, filtered) → three functions, each processing once.
scenario('fan-out to three queues, each processing once', { topology: 'fanout' }, async (s) => {
  const rows = s.random.int(1, 30);
  const upload = await s.upload('data/fan.csv', csv(s.random, rows));
  await s.expectReport(upload, (r) => expect(r.rows).toBe(rows));
  await s.expectReport(upload, (r) => expect(r.rows).toBe(rows), { bucket: 'audit' });
  await s.expectReport(upload, (r) => expect(r.rows).toBe(rows), { bucket: 'archive' });
  const [delivery] = await s.expectDeliveries('events', 1, { match: (m) => m.json?.Records?.[0]?.s3?.object?.key === 'data/fan.csv' });
  expect(delivery!.json.Records[0].eventName).toMatch(/^ObjectCreated:/);
  await s.expectNothing({ within: '1s' });
  for (const fn of ['processor', 'audit', 'archive']) {
    expect({ fn, processed: await s.countLogged(fn, 'processed', 'data/fan.csv') }).toEqual({ fn, processed: 1 });
  }
  // One write, three functions: each has its report.
  const ledger = await s.expectConservation();
  expect(ledger.entries[0]!.outcomes.map((o) => `${o.sink}: ${o.outcome}`)).toEqual(['processor: processed', 'audit: processed', 'archive: processed']);
});

// SQS is at-least-once: the same S3 event delivered twice leaves one report.
scenario('one event delivered twice gives one report', { topology: 'queue' }, async (s) => {
  // Outside data/, so S3 itself sends nothing; the event is sent twice by hand.
  const upload = await s.upload('manual/dup.csv', csv(s.random, 3));
  const event = s.s3Event(upload);
  await s.sendToQueue('events', event);
  await s.sendToQueue('events', event);
  await s.expectLogs('processor', (e) => e.msg === 'processed' && e.object === `s3://${s.bucket}/manual/dup.csv`, 2);
  const reports = await s.expectReportCount(1, { keyPrefix: 'manual/' });
  expect(reports[0]!.reportKey).toBe(s.reportKey('manual/dup.csv'));
  expect(reports[0]!.rows).toBe(3);
});

// Versioned bucket: concurrent writes to one key are versions, and each version gets its report.
scenario('concurrent writes on a versioned bucket give one report per version', { topology: 'queue', versioning: true }, async (s) => {
  const bodies = Array.from({ length: 5 }, (_, i) => csv(s.random, i + 1));
  const writes = await s.writeConcurrently('data/hot.csv', bodies);
  const versions = await s.versions('data/hot.csv');
  expect(versions).toHaveLength(5);
  for (const w of writes) {
    expect(w.versionId).toBeTruthy();
    await s.expectReport(w, (r) => {
      expect(r.versionId).toBe(w.versionId);
      expect(r.rows).toBe(csvRowCount(w.body));
    });
  }
  await s.expectReportCount(5, { keyPrefix: 'data/hot.csv' });
  expect((await s.expectConservation()).counts.processed).toBe(5);
});

// Unversioned bucket: at least one event; whatever order they are handled in, the last write wins.
scenario('concurrent writes on an unversioned bucket: the last write wins', { topology: 'queue', versioning: false }, async (s) => {
  const bodies = Array.from({ length: 5 }, (_, i) => csv(s.random, i + 1));
  await s.writeConcurrently('data/hot.csv', bodies);
  const winner = await s.head('data/hot.csv');
  const winningBody = bodies.find((b) => Buffer.byteLength(b) === winner.size);
  s.log(`S3 kept the write with etag ${winner.etag} (${winner.size} bytes)`);
  await s.expectLogs('processor', (e) => e.msg === 'processed' && e.object === `s3://${s.bucket}/data/hot.csv`, { atLeast: 1 });
  await s.expectReport('data/hot.csv', (r) => {
    expect(r.etag).toBe(winner.etag);
    if (winningBody) expect(r.rows).toBe(csvRowCount(winningBody));
  }, { versionId: null });
  await s.expectReportCount(1, { keyPrefix: 'data/hot.csv' });
  // Whatever events arrived, only the write S3 kept has to show; the others are superseded.
  expect((await s.expectConservation()).counts).toMatchObject({ processed: 1, coalesced: 4 });
});
