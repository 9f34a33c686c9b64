import { expect, scenario } from '../harness/scenario';
import { csv, jsonArray } from './support';

// S3 → SQS → Lambda: a CSV lands under data/ and its report appears under reports/.
scenario('csv report', { topology: 'queue', versioning: false }, async (s) => {
  await s.upload('data/a.csv', 'h1,h2\n1,2\n');
  await s.expectReport('data/a.csv', (r) => {
    expect(r.rows).toBe(1);
    expect(r.format).toBe('csv');
    expect(r.columns).toEqual(['h1', 'h2']);
    expect(r.status).toBe('ok');
  });
  // A bigger, seeded file: the row count is the one written.
  const rows = s.random.int(5, 50);
  const upload = await s.upload('data/orders.csv', csv(s.random, rows));
  const report = await s.expectReport(upload, (r) => expect(r.rows).toBe(rows));
  expect(report.etag).toBe(upload.etag);
  expect(report.size).toBe(upload.size);
});

// S3 → Lambda (asynchronous invoke): a JSON array's objects are counted.
scenario('json report', { topology: 'direct' }, async (s) => {
  const items = s.random.int(2, 20);
  const upload = await s.upload('data/items.json', jsonArray(s.random, items));
  await s.expectReport(upload, (r) => {
    expect(r.format).toBe('json');
    expect(r.rows).toBe(items);
    expect(r.key).toBe('data/items.json');
  });
  await s.upload('data/one.json', '{"id": 1}');
  await s.expectReport('data/one.json', (r) => expect(r.rows).toBe(1));
  await s.expectInvocations('processor', 2);
});
