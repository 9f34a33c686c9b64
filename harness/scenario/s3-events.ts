import { compareSequencers } from '../../emulator/s3/notifications/sequencer';

/**
 * S3 notification events built by hand, in the shape S3 sends (event version 2.1), for scenarios that
 * feed a queue directly: a duplicate delivery, a FIFO queue (S3 cannot target FIFO queues), an
 * `s3:TestEvent`. Keys are form-URL-encoded as S3 encodes them.
 */
export { compareSequencers };

export interface ObjectFacts {
  bucket: string;
  key: string;
  versionId?: string | null;
  etag?: string | null;
  size?: number;
  eventName?: string;
  region?: string;
  /** Defaults to a hex string that grows with `sequence` (S3's ordering token for one key). */
  sequencer?: string;
  eventTime?: string;
}

export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/gi, '/');
}

export function s3EventRecord(o: ObjectFacts, region = o.region ?? 'us-east-1') {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: o.eventTime ?? '2026-01-01T00:00:00.000Z',
    eventName: o.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:HARNESS' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'HARNESS', 'x-amz-id-2': 'HARNESS' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'harness',
      bucket: { name: o.bucket, ownerIdentity: { principalId: 'HARNESS' }, arn: `arn:aws:s3:::${o.bucket}` },
      object: {
        key: encodeS3Key(o.key),
        ...(o.size !== undefined ? { size: o.size } : {}),
        ...(o.etag ? { eTag: o.etag.replace(/"/g, '') } : {}),
        ...(o.versionId ? { versionId: o.versionId } : {}),
        sequencer: o.sequencer ?? '0000000000000001',
      },
    },
  };
}

export function s3Event(...objects: ObjectFacts[]): { Records: ReturnType<typeof s3EventRecord>[] } {
  return { Records: objects.map((o) => s3EventRecord(o)) };
}

/** What S3 sends to a destination when a notification configuration is saved. */
export function s3TestEvent(bucket: string) {
  return { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-01-01T00:00:00.000Z', Bucket: bucket, RequestId: 'HARNESS', HostId: 'HARNESS' };
}

/**
 * Of S3 events in the order they arrived, those that arrived after a newer event for the same key (by
 * sequencer): the stale ones a handler must not let overwrite newer state. S3 documents that notifications
 * can arrive out of order and that `sequencer` — compared only within one key — restores the order.
 */
export function staleArrivals<T extends Record<string, unknown>>(arrivals: readonly T[]): T[] {
  const newest = new Map<string, string>();
  const stale: T[] = [];
  for (const a of arrivals) {
    if (typeof a.sequencer !== 'string') continue;
    const key = String(a.key);
    const seen = newest.get(key);
    if (seen !== undefined && compareSequencers(a.sequencer, seen) < 0) stale.push(a);
    else newest.set(key, a.sequencer);
  }
  return stale;
}
