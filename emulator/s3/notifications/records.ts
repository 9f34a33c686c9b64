import { defaultEventVersion } from './events';
import { encodeEventKey } from './key-encoding';

/**
 * S3 event notification messages, field for field as S3 "Event message structure" shows them
 * (fact sheet §1): the record, the `{Records: […]}` wrapper and the `s3:TestEvent` message.
 */
export interface S3EventRecord {
  eventVersion: string;
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer?: string };
  };
  glacierEventData?: {
    restoreEventData: { lifecycleRestorationExpiryTime: string; lifecycleRestoreStorageClass: string };
  };
  lifecycleEventData?: { transitionEventData: { destinationStorageClass: string } };
}

export interface EventRecordParams {
  region: string;
  /** Without the `s3:` prefix, e.g. `ObjectCreated:Put` (a prefixed name is accepted and trimmed). */
  eventName: string;
  /** Epoch milliseconds, from the injected clock. */
  eventTime: number;
  bucket: string;
  /** The object key as stored (decoded); the record carries it form-encoded. */
  key: string;
  /** Reported only on ObjectCreated and LifecycleTransition events. */
  size?: number;
  /** With or without the quotes S3 puts around ETag headers; the record has none. */
  eTag?: string;
  /** Only for versioned buckets; left out otherwise. */
  versionId?: string;
  /** Only on events that create or delete objects. */
  sequencer?: string;
  requestId: string;
  hostId: string;
  sourceIp: string;
  principalId: string;
  /** Bucket owner's canonical principal; defaults to `principalId`. */
  bucketOwnerPrincipalId?: string;
  configurationId: string;
  /** Only used for ObjectRestore:Completed (glacierEventData). */
  restore?: { expiryTime: number | string; storageClass: string };
  /** Only used for LifecycleTransition (lifecycleEventData): the class the object moved to. */
  destinationStorageClass?: string;
  /** Overrides the version `defaultEventVersion` picks. */
  eventVersion?: string;
}

const iso = (t: number | string): string => (typeof t === 'number' ? new Date(t).toISOString() : t);

/** The partition an S3 ARN in this region belongs to. */
function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function buildEventRecord(p: EventRecordParams): S3EventRecord {
  const eventName = p.eventName.replace(/^s3:/, '');
  const object: S3EventRecord['s3']['object'] = { key: encodeEventKey(p.key) };
  const transition = eventName === 'LifecycleTransition';
  if (p.size !== undefined && (eventName.startsWith('ObjectCreated:') || transition)) object.size = p.size;
  if (p.eTag !== undefined) object.eTag = p.eTag.replace(/^"|"$/g, '');
  if (p.versionId !== undefined) object.versionId = p.versionId;
  if (p.sequencer !== undefined) object.sequencer = p.sequencer;

  const record: S3EventRecord = {
    eventVersion: p.eventVersion ?? defaultEventVersion(eventName),
    eventSource: 'aws:s3',
    awsRegion: p.region,
    eventTime: iso(p.eventTime),
    eventName,
    userIdentity: { principalId: p.principalId },
    requestParameters: { sourceIPAddress: p.sourceIp },
    responseElements: { 'x-amz-request-id': p.requestId, 'x-amz-id-2': p.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: p.configurationId,
      bucket: {
        name: p.bucket,
        ownerIdentity: { principalId: p.bucketOwnerPrincipalId ?? p.principalId },
        arn: `arn:${partitionOf(p.region)}:s3:::${p.bucket}`,
      },
      object,
    },
  };
  if (eventName === 'ObjectRestore:Completed' && p.restore) {
    record.glacierEventData = {
      restoreEventData: {
        lifecycleRestorationExpiryTime: iso(p.restore.expiryTime),
        lifecycleRestoreStorageClass: p.restore.storageClass,
      },
    };
  }
  // "Configuring S3 Lifecycle event notifications": the class a transition moved the object to, beside `s3`.
  if (transition && p.destinationStorageClass !== undefined) {
    record.lifecycleEventData = { transitionEventData: { destinationStorageClass: p.destinationStorageClass } };
  }
  return record;
}

export interface S3TestEvent {
  Service: 'Amazon S3';
  Event: 's3:TestEvent';
  Time: string;
  Bucket: string;
  RequestId: string;
  HostId: string;
}

/** The message S3 sends to SQS/SNS destinations when a configuration is saved. It has no `Records`. */
export function buildTestEvent(p: { bucket: string; requestId: string; hostId: string; time: number }): S3TestEvent {
  return { Service: 'Amazon S3', Event: 's3:TestEvent', Time: iso(p.time), Bucket: p.bucket, RequestId: p.requestId, HostId: p.hostId };
}

export const wrapRecords = (records: S3EventRecord[]): { Records: S3EventRecord[] } => ({ Records: records });
