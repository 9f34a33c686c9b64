import { expect, scenario } from '../harness/scenario';
import { csv } from './support';

// ObjectRemoved reaches the function, which logs it and writes nothing.
scenario('delete events reach the function and write no report', { topology: 'queue' }, async (s) => {
  const upload = await s.upload('data/gone.csv', csv(s.random, 2));
  const report = await s.expectReport(upload);
  await s.delete('data/gone.csv');
  const [ignored] = await s.expectLogs('processor', (e) => e.msg === 'ignored event' && e.object === `s3://${s.bucket}/data/gone.csv`, 1);
  expect((ignored as Record<string, string>).eventName).toMatch(/^ObjectRemoved:/);
  await s.expectNothing({ within: '1s' });
  const reports = await s.reports();
  expect(reports.map((r) => r.reportKey)).toEqual([report.reportKey]);
  expect(reports[0]!.reportEtag).toBe(report.reportEtag);
  // The put has its report, the delete was seen by the function.
  expect((await s.expectConservation()).entries.map((e) => `${e.write.op}: ${e.outcome}`)).toEqual(['put: processed', 'delete: processed']);
});

// CompleteMultipartUpload is an ObjectCreated event like any other (seen here on the fan-out topic's probe).
scenario('multipart upload event gives a report', { topology: 'fanout' }, async (s) => {
  const rows = 320_000 + s.random.int(0, 1000); // > 5 MiB: two parts
  const body = csv(s.random, rows);
  const upload = await s.uploadMultipart('data/big.csv', body);
  expect(upload.etag).toMatch(/-2$/);
  const [delivery] = await s.expectDeliveries('events', 1, { match: (m) => m.json?.Records?.[0]?.s3?.object?.key === 'data/big.csv' });
  expect(delivery!.json.Records[0].eventName).toBe('ObjectCreated:CompleteMultipartUpload');
  await s.expectReport(upload, (r) => {
    expect(r.rows).toBe(rows);
    expect(r.size).toBe(Buffer.byteLength(body));
  });
});

// Saving a notification configuration sends s3:TestEvent to SQS/SNS destinations; it must not fail anything.
scenario('s3:TestEvent is tolerated', { topology: 'fanout' }, async (s) => {
  // The one S3 sent when deploy saved the configuration, on the events topic.
  await s.expectDeliveries('events', { atLeast: 1 }, { match: (m) => m.json?.Event === 's3:TestEvent' });
  // And one more by hand, straight into a consumer's queue.
  const before = await s.invocations('processor');
  await s.sendToQueue('processor', s.s3TestEvent());
  await s.expectInvocations('processor', { atLeast: before + 1 });
  await s.expectNothing({ within: '2s', ignore: ['deliveries'] });
  await s.expectDlq(0);
  expect(await s.alerts()).toEqual([]);
  // Still healthy.
  await s.upload('data/after.csv', csv(s.random, 1));
  await s.expectReport('data/after.csv', (r) => expect(r.rows).toBe(1));
});
