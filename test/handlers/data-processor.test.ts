import { createDataProcessor, type Report } from '../../handlers/data-processor';
import type { ObjectStore } from '../../handlers/data-processor/object-store';
import { copySource } from '../../handlers/data-processor/object-store';
import { faultFor } from '../../handlers/shared/faults';
import { s3Event, s3Record, snsEnvelope, snsLambdaEvent, sqsEvent, sqsRecord, testEvent } from './fixtures';

/** An S3 stand-in holding objects per bucket, recording every call the processor makes. */
class MemoryStore implements ObjectStore {
  objects = new Map<string, string>();
  calls: string[] = [];
  failGet = false;

  put(bucket: string, key: string, text: string, versionId?: string) {
    this.objects.set(this.id(bucket, key, versionId ?? null), text);
  }
  json(bucket: string, key: string): Report {
    const text = this.objects.get(this.id(bucket, key, null));
    if (text === undefined) throw new Error(`no ${bucket}/${key}; have ${[...this.objects.keys()].join(', ')}`);
    return JSON.parse(text) as Report;
  }
  keys(bucket: string, prefix: string) {
    return [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1));
  }
  async getObject(bucket: string, key: string, versionId: string | null) {
    this.calls.push(`get ${bucket}/${key} ${versionId ?? '-'}`);
    if (this.failGet) throw new Error('ServiceUnavailable');
    const text = this.objects.get(this.id(bucket, key, versionId));
    if (text === undefined) throw new Error(`NoSuchKey ${bucket}/${key}`);
    return { text, etag: 'etag-of-' + key, size: Buffer.byteLength(text) };
  }
  async putJson(bucket: string, key: string, value: unknown) {
    this.calls.push(`put ${bucket}/${key}`);
    this.objects.set(this.id(bucket, key, null), JSON.stringify(value));
  }
  async copyObject(bucket: string, key: string, versionId: string | null, destKey: string) {
    this.calls.push(`copy ${bucket}/${key} ${versionId ?? '-'} -> ${destKey}`);
    const text = this.objects.get(this.id(bucket, key, versionId));
    if (text === undefined) throw new Error('NoSuchKey');
    this.objects.set(this.id(bucket, destKey, null), text);
  }
  private id(bucket: string, key: string, versionId: string | null) {
    return versionId ? `${bucket}/${key}#${versionId}` : `${bucket}/${key}`;
  }
}

function setup(env: Record<string, string> = {}) {
  const store = new MemoryStore();
  const logs: Record<string, unknown>[] = [];
  const processor = createDataProcessor({ store, env, log: (e) => logs.push(e) });
  return { store, logs, processor };
}

const FIFO_ARN = 'arn:aws:sqs:us-east-1:000000000000:uploads.fifo';

describe('data processor, direct invocation', () => {
  it('writes a deterministic report for a CSV upload', async () => {
    const { store, processor } = setup();
    store.put('ingest', 'data/my file.csv', 'id,name\n1,"a, b"\n2,c\n');
    const summary = await processor(s3Event(s3Record('data/my+file.csv')));
    expect(summary).toEqual({ processed: 1, quarantined: 0, ignored: 0, skipped: 0, reports: ['reports/data/my file.csv.json'] });
    expect(store.json('ingest', 'reports/data/my file.csv.json')).toEqual({
      bucket: 'ingest',
      key: 'data/my file.csv',
      versionId: null,
      size: 21,
      etag: 'etag-of-data/my file.csv',
      format: 'csv',
      rows: 2,
      columns: ['id', 'name'],
      status: 'ok',
    });
  });

  it('a duplicate delivery rewrites the same report with the same body', async () => {
    const { store, processor } = setup();
    store.put('ingest', 'a.json', '[{"x":1}]');
    await processor(s3Event(s3Record('a.json')));
    const first = store.objects.get('ingest/reports/a.json.json');
    await processor(s3Event(s3Record('a.json')));
    expect(store.keys('ingest', 'reports/')).toEqual(['reports/a.json.json']);
    expect(store.objects.get('ingest/reports/a.json.json')).toBe(first);
  });

  it('reads the exact version and writes one report per version', async () => {
    const { store, processor } = setup();
    store.put('ingest', 'a.csv', 'h\n1\n', 'v1');
    store.put('ingest', 'a.csv', 'h\n1\n2\n', 'v2');
    await processor(s3Event(s3Record('a.csv', { versionId: 'v1' }), s3Record('a.csv', { versionId: 'v2' })));
    expect(store.calls.filter((c) => c.startsWith('get'))).toEqual(['get ingest/a.csv v1', 'get ingest/a.csv v2']);
    expect(store.json('ingest', 'reports/a.csv@v1.json')).toMatchObject({ versionId: 'v1', rows: 1 });
    expect(store.json('ingest', 'reports/a.csv@v2.json')).toMatchObject({ versionId: 'v2', rows: 2 });
  });

  it('writes reports to REPORT_BUCKET when set', async () => {
    const { store, processor } = setup({ REPORT_BUCKET: 'reports-bucket' });
    store.put('ingest', 'a.csv', 'h\n1\n');
    await processor(s3Event(s3Record('a.csv')));
    expect(store.calls).toContain('put reports-bucket/reports/a.csv.json');
  });

  it('ignores ObjectRemoved events and test events, skips its own output', async () => {
    const { store, processor } = setup({ QUARANTINE_PREFIX: 'bad/' });
    await expect(processor(testEvent)).resolves.toMatchObject({ processed: 0 });
    const summary = await processor(
      s3Event(
        s3Record('a.csv', { eventName: 'ObjectRemoved:Delete' }),
        s3Record('reports/a.csv.json'),
        s3Record('quarantine/x.txt'),
        s3Record('bad/x.txt'),
      ),
    );
    expect(summary).toEqual({ processed: 0, quarantined: 0, ignored: 1, skipped: 3, reports: [] });
    expect(store.calls).toEqual([]);
  });

  it('unwraps SNS → Lambda', async () => {
    const { store, processor } = setup();
    store.put('ingest', 'a.csv', 'h\n1\n');
    await expect(processor(snsLambdaEvent(s3Event(s3Record('a.csv'))))).resolves.toMatchObject({ processed: 1 });
  });

  it('fails on invalid content with the object in the message, and writes nothing', async () => {
    const { store, processor } = setup();
    store.put('ingest', 'a.csv', 'id,id\n1,2\n');
    await expect(processor(s3Event(s3Record('a.csv')))).rejects.toThrow(/duplicate column "id".*s3:\/\/ingest\/a\.csv/);
    await expect(processor(s3Event(s3Record('notes.txt')))).rejects.toThrow(/Unsupported file type "\.txt"/);
    expect(store.keys('ingest', 'reports/')).toEqual([]);
    expect(store.calls).toEqual(['get ingest/a.csv -']); // the .txt is rejected before it is downloaded
  });

  it('tries every record before failing the invocation', async () => {
    const { store, processor } = setup();
    store.put('ingest', 'ok.csv', 'h\n1\n');
    await expect(processor(s3Event(s3Record('bad.txt'), s3Record('ok.csv'), s3Record('bad2.txt')))).rejects.toThrow(
      /2 records failed; first: Unsupported file type/,
    );
    expect(store.keys('ingest', 'reports/')).toEqual(['reports/ok.csv.json']);
  });

  it('quarantines invalid content when QUARANTINE_PREFIX is set, keeping the version', async () => {
    const { store, processor } = setup({ QUARANTINE_PREFIX: 'quarantine/' });
    store.put('ingest', 'd/a.json', '{oops', 'v7');
    store.put('ingest', 'd/b.txt', 'text');
    const summary = await processor(s3Event(s3Record('d/a.json', { versionId: 'v7' }), s3Record('d/b.txt')));
    expect(summary).toMatchObject({ processed: 0, quarantined: 2 });
    expect(store.calls).toContain('copy ingest/d/a.json v7 -> quarantine/d/a.json');
    expect(store.objects.get('ingest/quarantine/d/b.txt')).toBe('text');
    expect(store.keys('ingest', 'reports/')).toEqual([]);
  });

  it('does not quarantine S3 failures: they stay errors so they are retried', async () => {
    const { store, processor } = setup({ QUARANTINE_PREFIX: 'quarantine/' });
    store.put('ingest', 'a.csv', 'h\n1\n');
    store.failGet = true;
    await expect(processor(s3Event(s3Record('a.csv')))).rejects.toThrow('ServiceUnavailable');
    expect(store.keys('ingest', 'quarantine/')).toEqual([]);
  });
});

describe('data processor, SQS batches', () => {
  function batch(queueArn?: string) {
    return sqsEvent(
      sqsRecord(s3Event(s3Record('1.csv')), { messageId: 'm1', queueArn }),
      sqsRecord(snsEnvelope(s3Event(s3Record('2.txt'))), { messageId: 'm2', queueArn }),
      sqsRecord(s3Event(s3Record('3.csv')), { messageId: 'm3', queueArn }),
      sqsRecord('not json', { messageId: 'm4', queueArn }),
    );
  }
  function withObjects(env: Record<string, string> = {}) {
    const s = setup(env);
    s.store.put('ingest', '1.csv', 'h\n1\n');
    s.store.put('ingest', '3.csv', 'h\n1\n');
    return s;
  }

  it('returns only the failed messages in batchItemFailures and processes the rest', async () => {
    const { store, processor } = withObjects();
    await expect(processor(batch())).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm4' }],
    });
    expect(store.keys('ingest', 'reports/').sort()).toEqual(['reports/1.csv.json', 'reports/3.csv.json']);
  });

  it('returns an empty batchItemFailures when all succeed, including test events', async () => {
    const { processor } = withObjects();
    const event = sqsEvent(sqsRecord(testEvent, { messageId: 't' }), sqsRecord(s3Event(s3Record('1.csv')), { messageId: 'a' }));
    await expect(processor(event)).resolves.toEqual({ batchItemFailures: [] });
  });

  it('on a FIFO queue stops at the first failure and reports it and every later message', async () => {
    const { store, processor } = withObjects();
    await expect(processor(batch(FIFO_ARN))).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }, { itemIdentifier: 'm4' }],
    });
    expect(store.keys('ingest', 'reports/')).toEqual(['reports/1.csv.json']);
  });

  it("throws for the whole batch when PARTIAL_BATCH='false'", async () => {
    const { processor } = withObjects({ PARTIAL_BATCH: 'false' });
    await expect(processor(batch())).rejects.toThrow(/2 of 4 messages failed; first \(m2\): Unsupported file type/);
    const ok = sqsEvent(sqsRecord(s3Event(s3Record('1.csv')), { messageId: 'a' }));
    await expect(processor(ok)).resolves.toEqual({ batchItemFailures: [] });
  });
});

describe('fault injection (HARNESS_FAULTS)', () => {
  it('fails the first N attempts, counted by ApproximateReceiveCount', async () => {
    const { store, processor } = setup({ HARNESS_FAULTS: '{"fail":{"attempts":2}}' });
    store.put('ingest', 'a.csv', 'h\n1\n');
    const attempt = (n: number) => processor(sqsEvent(sqsRecord(s3Event(s3Record('a.csv')), { messageId: 'm', receiveCount: n })));
    await expect(attempt(1)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    await expect(attempt(2)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    await expect(attempt(3)).resolves.toEqual({ batchItemFailures: [] });
    expect(store.keys('ingest', 'reports/')).toEqual(['reports/a.csv.json']);
  });

  it('counts attempts in memory for direct invocations', async () => {
    const { store, processor } = setup({ HARNESS_FAULTS: '{"fail":{"attempts":1}}' });
    store.put('ingest', 'counted.csv', 'h\n1\n');
    const event = s3Event(s3Record('counted.csv'));
    await expect(processor(event)).rejects.toThrow(/Injected fault \(HARNESS_FAULTS\) for counted\.csv on attempt 1/);
    await expect(processor(event)).resolves.toMatchObject({ processed: 1 });
  });

  it('fails only the listed keys, and is not quarantined', async () => {
    const { store, processor } = setup({ HARNESS_FAULTS: '{"fail":{"keys":["data/x y.csv"]}}', QUARANTINE_PREFIX: 'quarantine/' });
    store.put('ingest', 'data/x y.csv', 'h\n1\n');
    store.put('ingest', 'data/z.csv', 'h\n1\n');
    await expect(processor(s3Event(s3Record('data/x+y.csv')))).rejects.toThrow(/Injected fault/);
    await expect(processor(s3Event(s3Record('data/z.csv')))).resolves.toMatchObject({ processed: 1 });
    expect(store.keys('ingest', 'quarantine/')).toEqual([]);
  });

  it('rejects a HARNESS_FAULTS that is not JSON', async () => {
    const { processor } = setup({ HARNESS_FAULTS: '{fail' });
    await expect(processor(s3Event(s3Record('a.csv')))).rejects.toThrow(/HARNESS_FAULTS is not JSON/);
  });

  it('faultFor combines keys, attempts and message', () => {
    const plan = { fail: { keys: ['k'], attempts: 1, message: 'boom' } };
    expect(faultFor(plan, 'k', 1)).toBe('boom');
    expect(faultFor(plan, 'k', 2)).toBeUndefined();
    expect(faultFor(plan, 'other', 1)).toBeUndefined();
    expect(faultFor({ fail: {} }, 'any', 99)).toMatch(/Injected fault/);
    expect(faultFor({}, 'any', 1)).toBeUndefined();
  });
});

describe('copySource', () => {
  it('encodes each key segment and the version', () => {
    expect(copySource('b', 'dir/a b+c.csv', null)).toBe('b/dir/a%20b%2Bc.csv');
    expect(copySource('b', 'a.csv', 'v/1')).toBe('b/a.csv?versionId=v%2F1');
  });
});
