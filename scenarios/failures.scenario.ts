import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { expect, scenario } from '../harness/scenario';
import { csv } from './support';

// S3 → Lambda fails on bad content → async retries → Lambda DLQ → error handler → alert on SNS.
scenario('invalid file goes to the DLQ and raises an alert', { topology: 'direct', asyncRetries: 1 }, async (s) => {
  await s.upload('data/broken.json', '{"id": 1, ');
  const [alert] = await s.expectAlerts(1, { match: (a) => a.json.key === 'data/broken.json' });
  expect(alert!.subject).toBe('Pipeline failure: data/broken.json');
  expect(alert!.json.bucket).toBe(s.bucket);
  expect(alert!.json.error).toMatch(/Invalid JSON/);
  expect(alert!.json.sourceQueue).toBe(s.resources.queues['processor-dlq']!.arn);
  expect(alert!.attributes.key).toBe('data/broken.json');
  await s.expectDlq(1, { queue: 'processor-dlq' });
  // One attempt and the one retry asked for, then no more.
  await s.expectInvocations('processor', 2);
  expect(await s.reports()).toEqual([]);
  expect((await s.expectConservation()).counts['dead-lettered']).toBe(1);
});

// S3 → SQS → Lambda keeps failing → after maxReceiveCount receives SQS moves it to the DLQ → alert.
scenario('poison message is redriven after maxReceiveCount', { topology: 'queue', maxReceiveCount: 3, faults: { fail: { keys: ['data/poison.csv'] } } }, async (s) => {
  await s.upload('data/poison.csv', csv(s.random, 3));
  const [alert] = await s.expectAlerts(1, { match: (a) => a.json.key === 'data/poison.csv' });
  expect(alert!.json.sourceQueue).toBe(s.resources.queues['events-dlq']!.arn);
  const failures = await s.expectLogs('processor', (e) => e.level === 'error' && String(e.error).includes('data/poison.csv'), 3);
  expect(failures).toHaveLength(3);
  await s.expectDlq(1, { queue: 'events-dlq' });
  expect(await s.countLogged('processor', 'processed', 'data/poison.csv')).toBe(0);
  // The queue keeps working for other objects.
  await s.upload('data/fine.csv', csv(s.random, 2));
  await s.expectReport('data/fine.csv', (r) => expect(r.rows).toBe(2));
  expect((await s.expectConservation()).entries.map((e) => `${e.write.key}: ${e.outcome}`)).toEqual(['data/poison.csv: dead-lettered', 'data/fine.csv: processed']);
});

// With ReportBatchItemFailures only the failed message comes back; the others are not processed again.
scenario('partial batch failure retries only the failed record', { topology: 'queue', batchSize: 10, faults: { fail: { keys: ['batch/b.csv'], attempts: 1 } } }, async (s) => {
  // Outside data/ (no S3 events): the three events are sent in one SendMessageBatch so one receive gets them together.
  const uploads = [];
  for (const name of ['a', 'b', 'c']) uploads.push(await s.upload(`batch/${name}.csv`, csv(s.random, 2)));
  await s.sendBatchToQueue('events', uploads.map((u) => s.s3Event(u)));
  for (const u of uploads) await s.expectReport(u, (r) => expect(r.rows).toBe(2));
  await s.expectLogs('processor', (e) => e.level === 'error' && String(e.error).includes('batch/b.csv'), 1);
  for (const key of ['batch/a.csv', 'batch/b.csv', 'batch/c.csv']) {
    expect({ key, processed: await s.countLogged('processor', 'processed', key) }).toEqual({ key, processed: 1 });
  }
  await s.expectNothing({ within: '1s' });
  await s.expectDlq(0);
});

// FIFO: a failing message blocks the rest of its group (not other groups) until it is dead-lettered.
scenario('fifo group blocked by a failing message', { topology: 'queue', fifo: true, batchSize: 1, maxReceiveCount: 3, faults: { fail: { keys: ['fifo/a1.csv'] } } }, async (s) => {
  const a1 = await s.upload('fifo/a1.csv', csv(s.random, 1));
  const a2 = await s.upload('fifo/a2.csv', csv(s.random, 2));
  const b1 = await s.upload('fifo/b1.csv', csv(s.random, 3));
  await s.sendToQueue('fifo', s.s3Event(a1), { groupId: 'A' });
  await s.sendToQueue('fifo', s.s3Event(a2), { groupId: 'A' });
  await s.sendToQueue('fifo', s.s3Event(b1), { groupId: 'B' });
  await s.expectReport(b1, (r) => expect(r.rows).toBe(3));
  const [alert] = await s.expectAlerts(1, { match: (a) => a.json.key === 'fifo/a1.csv' });
  expect(alert!.json.sourceQueue).toBe(s.resources.queues['fifo-dlq']!.arn);
  await s.expectReport(a2, (r) => expect(r.rows).toBe(2));
  // a2 ran only after a1's last failed attempt.
  const entries = await s.logEntries('processor');
  const lastA1Failure = entries.map((e, i) => (e.level === 'error' && String(e.error).includes('fifo/a1.csv') ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
  const a2Processed = entries.findIndex((e) => e.msg === 'processed' && String(e.object).includes('fifo/a2.csv'));
  expect(lastA1Failure).toBeGreaterThanOrEqual(0);
  expect(a2Processed).toBeGreaterThan(lastA1Failure);
  expect(await s.countLogged('processor', 'processed', 'fifo/a2.csv')).toBe(1);
});

// S3 → SNS → a consumer's queue that is gone: SNS cannot deliver (a client-side error, not retried) and sends
// the message to that subscription's DLQ, which the error handler reads → alert. The other consumers go on.
scenario('a message SNS cannot deliver goes to the subscription DLQ and raises an alert', { topology: 'fanout' }, async (s) => {
  await s.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: s.resources.queues.audit!.url }));
  const rows = s.random.int(1, 20);
  const upload = await s.upload('data/orphan.csv', csv(s.random, rows));
  const [alert] = await s.expectAlerts(1, { match: (a) => a.json.key === 'data/orphan.csv' });
  expect(alert!.json.sourceQueue).toBe(s.resources.queues['audit-subscription-dlq']!.arn);
  await s.expectReport(upload, (r) => expect(r.rows).toBe(rows));
  await s.expectReport(upload, (r) => expect(r.rows).toBe(rows), { bucket: 'archive' });
  const ledger = await s.expectConservation();
  expect(ledger.entries[0]!.outcomes.map((o) => `${o.sink}: ${o.outcome}`)).toEqual(['processor: processed', 'audit: dead-lettered', 'archive: processed']);
});
