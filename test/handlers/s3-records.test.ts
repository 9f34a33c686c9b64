import { reportKeyFor } from '../../handlers/shared/report-key';
import { decodeS3Key, extractS3Records, isS3TestEvent, objectRefOf } from '../../handlers/shared/s3-records';
import { s3Event, s3Record, snsEnvelope, snsLambdaEvent, sqsEvent, sqsRecord, testEvent } from './fixtures';

const keysOf = (event: unknown) => extractS3Records(event).map((r) => objectRefOf(r).key);

describe('extractS3Records', () => {
  const event = s3Event(s3Record('data/a.csv'), s3Record('data/b.json'));

  it('reads a direct S3 → Lambda event', () => {
    expect(keysOf(event)).toEqual(['data/a.csv', 'data/b.json']);
  });

  it('returns the records unchanged, key still encoded', () => {
    const [record] = extractS3Records(s3Event(s3Record('my+file%2B1.csv')));
    expect(record.s3.object.key).toBe('my+file%2B1.csv');
    expect(record.eventName).toBe('ObjectCreated:Put');
  });

  it('unwraps S3 → SQS (body is the S3 event)', () => {
    expect(keysOf(sqsEvent(sqsRecord(event)))).toEqual(['data/a.csv', 'data/b.json']);
  });

  it('unwraps S3 → SNS → SQS (body is an SNS envelope)', () => {
    expect(keysOf(sqsEvent(sqsRecord(snsEnvelope(event))))).toEqual(['data/a.csv', 'data/b.json']);
  });

  it('unwraps S3 → SNS → SQS with raw message delivery (body is the S3 event)', () => {
    const raw = sqsRecord(JSON.stringify(event));
    expect(keysOf(sqsEvent(raw))).toEqual(['data/a.csv', 'data/b.json']);
  });

  it('unwraps S3 → SNS → Lambda', () => {
    expect(keysOf(snsLambdaEvent(event))).toEqual(['data/a.csv', 'data/b.json']);
  });

  it('collects records across several SQS messages in order', () => {
    const batch = sqsEvent(
      sqsRecord(s3Event(s3Record('one.csv')), { messageId: 'a' }),
      sqsRecord(snsEnvelope(s3Event(s3Record('two.csv'))), { messageId: 'b' }),
    );
    expect(keysOf(batch)).toEqual(['one.csv', 'two.csv']);
  });

  it('takes a single SQS record, an SQS body string or an SNS envelope on its own', () => {
    expect(keysOf(sqsRecord(event))).toEqual(['data/a.csv', 'data/b.json']);
    expect(keysOf(JSON.stringify(event))).toEqual(['data/a.csv', 'data/b.json']);
    expect(keysOf(snsEnvelope(event))).toEqual(['data/a.csv', 'data/b.json']);
  });

  it('unwraps a Lambda async-invoke DLQ message whose body is an SNS → Lambda event', () => {
    expect(keysOf(sqsRecord(snsLambdaEvent(event)))).toEqual(['data/a.csv', 'data/b.json']);
  });

  describe('s3:TestEvent yields no records wherever it appears', () => {
    it.each([
      ['direct', testEvent],
      ['in SQS', sqsEvent(sqsRecord(testEvent))],
      ['in an SNS envelope in SQS', sqsEvent(sqsRecord(snsEnvelope(testEvent)))],
      ['raw string', JSON.stringify(testEvent)],
      ['via SNS → Lambda', snsLambdaEvent(testEvent)],
    ])('%s', (_, input) => {
      expect(extractS3Records(input)).toEqual([]);
    });

    it('only the test message is dropped from a mixed batch', () => {
      const batch = sqsEvent(sqsRecord(testEvent, { messageId: 't' }), sqsRecord(event, { messageId: 'e' }));
      expect(keysOf(batch)).toEqual(['data/a.csv', 'data/b.json']);
    });
  });

  it('ignores SNS subscription confirmations', () => {
    const confirmation = { Type: 'SubscriptionConfirmation', Message: 'You have chosen to subscribe…', SubscribeURL: 'x' };
    expect(extractS3Records(sqsEvent(sqsRecord(confirmation)))).toEqual([]);
  });

  it('throws on a body that is not JSON, naming the message', () => {
    expect(() => extractS3Records(sqsEvent(sqsRecord('not json', { messageId: 'bad-1' })))).toThrow(
      /SQS message bad-1: body is not JSON/,
    );
  });

  it('throws on JSON that is not an S3 event', () => {
    expect(() => extractS3Records({ hello: 'world' })).toThrow(/not an S3 event/);
    expect(() => extractS3Records({ Records: [{ eventSource: 'aws:dynamodb' }] })).toThrow(/unsupported record source "aws:dynamodb"/);
    expect(() => extractS3Records({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }] })).toThrow(
      /S3 record without/,
    );
  });

  it('gives up on a message that wraps itself endlessly', () => {
    let body: unknown = event;
    for (let i = 0; i < 20; i++) body = JSON.stringify(body);
    expect(() => extractS3Records(body)).toThrow(/nested more than/);
  });
});

describe('S3 events through EventBridge', () => {
  // As S3 sends them to the default bus (aws-semantics §6), the key URL-encoded as in notifications.
  const ebEvent = (detailType: string, detail: Record<string, unknown>, object: Record<string, unknown> = {}) => ({
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: '111122223333',
    time: '2021-11-12T00:00:00Z',
    region: 'ca-central-1',
    resources: ['arn:aws:s3:::bucket1'],
    detail: { version: '0', bucket: { name: 'bucket1' }, object: { key: 'data/my+file.csv', sequencer: '617f08299329d189', ...object }, ...detail },
  });

  it('reads an Object Created event in an SQS message as the notification record of the same change', () => {
    const created = ebEvent('Object Created', { reason: 'CompleteMultipartUpload' }, { size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'IYV3p45B' });
    const [record] = extractS3Records(sqsEvent(sqsRecord(created)));
    expect(record).toEqual({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      eventTime: '2021-11-12T00:00:00Z',
      awsRegion: 'ca-central-1',
      s3: { bucket: { name: 'bucket1' }, object: { key: 'data/my+file.csv', size: 5, eTag: 'b1946ac92492d2347c6235b4d2611184', versionId: 'IYV3p45B', sequencer: '617f08299329d189' } },
    });
    expect(objectRefOf(record!).key).toBe('data/my file.csv');
  });

  it('names created and deleted events as S3 notifications do', () => {
    const name = (type: string, detail: Record<string, unknown>) => extractS3Records(ebEvent(type, detail))[0]!.eventName;
    expect(name('Object Created', { reason: 'PutObject' })).toBe('ObjectCreated:Put');
    expect(name('Object Created', { reason: 'POST Object' })).toBe('ObjectCreated:Post');
    expect(name('Object Created', { reason: 'CopyObject' })).toBe('ObjectCreated:Copy');
    expect(name('Object Deleted', { reason: 'DeleteObject', 'deletion-type': 'Permanently Deleted' })).toBe('ObjectRemoved:Delete');
    expect(name('Object Deleted', { reason: 'DeleteObject', 'deletion-type': 'Delete Marker Created' })).toBe('ObjectRemoved:DeleteMarkerCreated');
    // Other S3 events keep their type, so the processor ignores them instead of reading them as writes.
    expect(name('Object Tags Added', {})).toBe('EventBridge:Object Tags Added');
  });

  it('throws on an aws.s3 event without a bucket or key', () => {
    expect(() => extractS3Records({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'b' } } })).toThrow(/EventBridge S3 event without detail.bucket.name or detail.object.key/);
  });
});

describe('isS3TestEvent', () => {
  it('recognizes the test message and nothing else', () => {
    expect(isS3TestEvent(testEvent)).toBe(true);
    expect(isS3TestEvent(s3Event(s3Record('a.csv')))).toBe(false);
    expect(isS3TestEvent(null)).toBe(false);
  });
});

describe('decodeS3Key', () => {
  it.each([
    ['red+flower.jpg', 'red flower.jpg'],
    ['a%2Bb.csv', 'a+b.csv'],
    ['dir/sub+dir/file%20name.csv', 'dir/sub dir/file name.csv'],
    ['caf%C3%A9.csv', 'café.csv'],
    ['100%25.csv', '100%.csv'],
    ['plain/key.csv', 'plain/key.csv'],
  ])('%s → %s', (encoded, decoded) => {
    expect(decodeS3Key(encoded)).toBe(decoded);
  });

  it('rejects malformed escapes with a clear message', () => {
    expect(() => decodeS3Key('bad%E0.csv')).toThrow(/not valid URL encoding/);
  });

  it('objectRefOf decodes the key and keeps the version', () => {
    const ref = objectRefOf(s3Record('red+flower%2B.csv', { versionId: 'v1', bucket: 'b' }));
    expect(ref).toEqual({
      eventName: 'ObjectCreated:Put',
      bucket: 'b',
      key: 'red flower+.csv',
      versionId: 'v1',
      size: 10,
      eTag: 'd41d8cd98f00b204e9800998ecf8427e',
      sequencer: '0055AED6DCD90281E5',
    });
    expect(objectRefOf(s3Record('a.csv')).versionId).toBeNull();
  });
});

describe('reportKeyFor', () => {
  it('is reports/<key>.json without a version', () => {
    expect(reportKeyFor('data/a.csv')).toBe('reports/data/a.csv.json');
    expect(reportKeyFor('data/a.csv', null)).toBe('reports/data/a.csv.json');
  });

  it('is stable for the same object version (a duplicate delivery overwrites, never adds)', () => {
    expect(reportKeyFor('data/a.csv', 'v1')).toBe(reportKeyFor('data/a.csv', 'v1'));
    expect(reportKeyFor('data/a.csv', 'v1')).toBe('reports/data/a.csv@v1.json');
  });

  it('differs between versions and from the unversioned key', () => {
    const keys = new Set([reportKeyFor('a.csv'), reportKeyFor('a.csv', 'v1'), reportKeyFor('a.csv', 'v2')]);
    expect(keys.size).toBe(3);
  });

  it('cannot gain a folder level from the version ID', () => {
    expect(reportKeyFor('a.csv', 'x/y+z=')).toBe('reports/a.csv@x%2Fy%2Bz%3D.json');
  });
});
