import { VirtualClock } from '../../emulator/core/clock';
import {
  buildEventRecord,
  buildTestEvent,
  compareSequencers,
  decodeEventKey,
  defaultEventVersion,
  encodeEventKey,
  SequencerSource,
  wrapRecords,
  type EventRecordParams,
} from '../../emulator/s3/notifications';

/** Record shape: S3 User Guide "Event message structure" (fact sheet §1). */
const base: EventRecordParams = {
  region: 'us-west-2',
  eventName: 'ObjectCreated:Put',
  eventTime: 0,
  bucket: 'mybucket',
  key: 'HappyFace.jpg',
  size: 1024,
  eTag: 'd41d8cd98f00b204e9800998ecf8427e',
  versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
  sequencer: '0055AED6DCD90281E5',
  requestId: 'C3D13FE58DE4C810',
  hostId: 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
  sourceIp: '127.0.0.1',
  principalId: 'AIDAJDPLRKLG7UEXAMPLE',
  bucketOwnerPrincipalId: 'A3NL1KOZZKExample',
  configurationId: 'testConfigRule',
};

describe('buildEventRecord', () => {
  test('reproduces the documentation example exactly', () => {
    expect(buildEventRecord(base)).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-west-2',
      eventTime: '1970-01-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AIDAJDPLRKLG7UEXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: {
        'x-amz-request-id': 'C3D13FE58DE4C810',
        'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'testConfigRule',
        bucket: { name: 'mybucket', ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: 'arn:aws:s3:::mybucket' },
        object: {
          key: 'HappyFace.jpg',
          size: 1024,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    });
  });
  test('keeps the documented key order', () => {
    expect(Object.keys(buildEventRecord(base))).toEqual([
      'eventVersion', 'eventSource', 'awsRegion', 'eventTime', 'eventName', 'userIdentity', 'requestParameters', 'responseElements', 's3',
    ]);
    expect(Object.keys(buildEventRecord(base).s3.object)).toEqual(['key', 'size', 'eTag', 'versionId', 'sequencer']);
  });
  test('eventTime is ISO-8601 with milliseconds', () => {
    expect(buildEventRecord({ ...base, eventTime: Date.UTC(2026, 0, 2, 3, 4, 5, 67) }).eventTime).toBe('2026-01-02T03:04:05.067Z');
  });
  test('versionId only when given (unversioned buckets)', () => {
    const { versionId: _omit, ...unversioned } = base;
    expect(buildEventRecord(unversioned).s3.object).not.toHaveProperty('versionId');
    expect(buildEventRecord(base).s3.object.versionId).toBe(base.versionId);
  });
  test('size only on ObjectCreated events', () => {
    const removed = buildEventRecord({ ...base, eventName: 'ObjectRemoved:Delete' });
    expect(removed.s3.object).not.toHaveProperty('size');
    expect(removed.s3.object.sequencer).toBe(base.sequencer);
  });
  test('quoted ETags lose their quotes', () => {
    expect(buildEventRecord({ ...base, eTag: '"abc"' }).s3.object.eTag).toBe('abc');
  });
  test('an s3: prefix on the event name is dropped', () => {
    expect(buildEventRecord({ ...base, eventName: 's3:ObjectCreated:Copy' }).eventName).toBe('ObjectCreated:Copy');
  });
  test('glacierEventData only for ObjectRestore:Completed', () => {
    const restore = { expiryTime: Date.UTC(2026, 5, 1), storageClass: 'GLACIER' };
    const completed = buildEventRecord({ ...base, eventName: 'ObjectRestore:Completed', restore });
    expect(completed.glacierEventData).toEqual({
      restoreEventData: { lifecycleRestorationExpiryTime: '2026-06-01T00:00:00.000Z', lifecycleRestoreStorageClass: 'GLACIER' },
    });
    expect(buildEventRecord({ ...base, eventName: 'ObjectRestore:Post', restore })).not.toHaveProperty('glacierEventData');
    expect(buildEventRecord({ ...base, restore })).not.toHaveProperty('glacierEventData');
  });
  test('bucket ARN partition follows the region', () => {
    expect(buildEventRecord({ ...base, region: 'cn-north-1' }).s3.bucket.arn).toBe('arn:aws-cn:s3:::mybucket');
  });
});

describe('eventVersion', () => {
  test.each([
    ['ObjectCreated:Put', '2.1'],
    ['ObjectRemoved:DeleteMarkerCreated', '2.1'],
    ['ObjectRestore:Completed', '2.1'],
    ['Replication:OperationFailedReplication', '2.2'],
    ['ObjectTagging:Put', '2.3'],
    ['ObjectTagging:Delete', '2.3'],
    ['ObjectAcl:Put', '2.3'],
    ['LifecycleExpiration:Delete', '2.3'],
    ['LifecycleTransition', '2.3'],
    ['IntelligentTiering', '2.3'],
    ['ObjectRestore:Delete', '2.3'],
  ])('%s → %s', (eventName, version) => {
    expect(defaultEventVersion(eventName)).toBe(version);
    expect(buildEventRecord({ ...base, eventName }).eventVersion).toBe(version);
  });
  test('can be overridden', () => {
    expect(buildEventRecord({ ...base, eventVersion: '2.2' }).eventVersion).toBe('2.2');
  });
});

describe('key encoding', () => {
  test.each([
    ['red flower.jpg', 'red+flower.jpg'],
    ['a+b.txt', 'a%2Bb.txt'],
    ['images/2024/cat.jpg', 'images/2024/cat.jpg'],
    ['dt=2018-05-04/_SUCCESS', 'dt%3D2018-05-04/_SUCCESS'],
    ['test/10:47:07.log', 'test/10%3A47%3A07.log'],
    ['file (1).jpg', 'file+%281%29.jpg'],
    ['keep-_.*', 'keep-_.*'],
    ['tilde~bang!quote\'', 'tilde%7Ebang%21quote%27'],
    ['100%', '100%25'],
    ['café', 'caf%C3%A9'],
    ['日本.png', '%E6%97%A5%E6%9C%AC.png'],
    ['😀', '%F0%9F%98%80'],
  ])('%s → %s', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
    expect(buildEventRecord({ ...base, key }).s3.object.key).toBe(encoded);
    expect(decodeEventKey(encoded)).toBe(key);
  });
});

describe('test event and wrapper', () => {
  test('s3:TestEvent has the documented fields and no Records', () => {
    const ev = buildTestEvent({ bucket: 'bucketname', requestId: '5582815E1AEA5ADF', hostId: '8cLeGAmw098X5cv4', time: Date.UTC(2014, 9, 13, 15, 57, 2, 89) });
    expect(ev).toEqual({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2014-10-13T15:57:02.089Z',
      Bucket: 'bucketname',
      RequestId: '5582815E1AEA5ADF',
      HostId: '8cLeGAmw098X5cv4',
    });
    expect(ev).not.toHaveProperty('Records');
  });
  test('wrapRecords', () => {
    const r = buildEventRecord(base);
    expect(wrapRecords([r])).toEqual({ Records: [r] });
    expect(JSON.parse(JSON.stringify(wrapRecords([r])))).toEqual({ Records: [r] });
  });
});

describe('SequencerSource', () => {
  test('18 upper-case hex digits: 00, the epoch second, a counter', () => {
    const clock = new VirtualClock(Date.UTC(2020, 8, 17, 18, 24, 26));
    const s = new SequencerSource(clock).next('k');
    expect(s).toMatch(/^[0-9A-F]{18}$/);
    expect(s.slice(0, 10)).toBe('005F63A9DA');
  });
  test('later events for the same key compare larger, with time standing still or moving', () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const source = new SequencerSource(clock);
    const seen: string[] = [];
    for (let i = 0; i < 50; i++) {
      seen.push(source.next('photos/a.jpg'));
      if (i % 7 === 0) clock.advance(1500);
    }
    for (let i = 1; i < seen.length; i++) expect(compareSequencers(seen[i]!, seen[i - 1]!)).toBe(1);
    expect(new Set(seen).size).toBe(seen.length);
  });
  test('a clock that steps back cannot make a value shrink', () => {
    let now = Date.UTC(2026, 0, 1, 0, 0, 10);
    const source = new SequencerSource({ now: () => now });
    const first = source.next();
    now -= 5000;
    expect(compareSequencers(source.next(), first)).toBe(1);
  });
  test('compareSequencers pads the shorter value with zeros', () => {
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E5')).toBe(0);
    expect(compareSequencers('0055AED6DCD90281E6', '0055AED6DCD90281E5')).toBe(1);
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E500')).toBe(0);
    expect(compareSequencers('0055aed6dcd90281e4', '0055AED6DCD90281E5')).toBe(-1);
  });
});
