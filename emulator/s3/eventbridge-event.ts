import { encodeEventKey } from './notifications';
import { isoSeconds } from '../core/calendar';

/**
 * The event S3 puts on the account's default EventBridge bus when a bucket has
 * `EventBridgeConfiguration` (fact sheet §6, S3 "EventBridge event message structure"): every event type,
 * no filtering at the bucket.
 */
export interface S3EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: 'aws.s3';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface EventBridgeParams {
  id: string;
  /** Notification event name without `s3:`, e.g. `ObjectCreated:Put`. */
  eventName: string;
  time: number;
  region: string;
  account: string;
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  sequencer?: string;
  requestId: string;
  /** The caller's account, or `s3.amazonaws.com` for S3-initiated events. */
  requester: string;
  sourceIp?: string;
  /** The API behind the event: `PutObject`, `CopyObject`, `CompleteMultipartUpload`, `DeleteObject`… */
  reason?: string;
  deletionType?: 'Permanently Deleted' | 'Delete Marker Created';
  restoreExpiryTime?: string;
  sourceStorageClass?: string;
  /** Object Storage Class Changed: the class a lifecycle transition moved the object to. */
  destinationStorageClass?: string;
}

const DETAIL_TYPES: [RegExp, string][] = [
  [/^ObjectCreated:/, 'Object Created'],
  [/^ObjectRemoved:/, 'Object Deleted'],
  [/^LifecycleExpiration:/, 'Object Deleted'],
  [/^ObjectRestore:Post$/, 'Object Restore Initiated'],
  [/^ObjectRestore:Completed$/, 'Object Restore Completed'],
  [/^ObjectRestore:Delete$/, 'Object Restore Expired'],
  [/^ObjectTagging:Put$/, 'Object Tags Added'],
  [/^ObjectTagging:Delete$/, 'Object Tags Deleted'],
  [/^ObjectAcl:Put$/, 'Object ACL Updated'],
  [/^LifecycleTransition$/, 'Object Storage Class Changed'],
  [/^IntelligentTiering$/, 'Object Access Tier Changed'],
];

export function eventBridgeDetailType(eventName: string): string | undefined {
  const name = eventName.replace(/^s3:/, '');
  return DETAIL_TYPES.find(([re]) => re.test(name))?.[1];
}

/** EventBridge times have whole seconds: `2021-11-12T00:00:00Z`. */

export function buildEventBridgeEvent(p: EventBridgeParams): S3EventBridgeEvent | undefined {
  const detailType = eventBridgeDetailType(p.eventName);
  if (!detailType) return undefined;
  const isDelete = detailType === 'Object Deleted';
  const object: Record<string, unknown> = { key: encodeEventKey(p.key) };
  // Delete events carry no size (nor ETag).
  if (!isDelete && p.size !== undefined) object.size = p.size;
  if (!isDelete && p.etag !== undefined) object.etag = p.etag.replace(/^"|"$/g, '');
  if (p.versionId !== undefined) object['version-id'] = p.versionId;
  if (p.sequencer !== undefined) object.sequencer = p.sequencer;

  const detail: Record<string, unknown> = {
    version: '0',
    bucket: { name: p.bucket },
    object,
    'request-id': p.requestId,
    requester: p.requester,
  };
  if (p.sourceIp !== undefined) detail['source-ip-address'] = p.sourceIp;
  if (p.reason !== undefined) detail.reason = p.reason;
  if (isDelete && p.deletionType) detail['deletion-type'] = p.deletionType;
  if (p.restoreExpiryTime !== undefined) detail['restore-expiry-time'] = p.restoreExpiryTime;
  if (p.sourceStorageClass !== undefined) detail['source-storage-class'] = p.sourceStorageClass;
  if (p.destinationStorageClass !== undefined) detail['destination-storage-class'] = p.destinationStorageClass;

  return {
    version: '0',
    id: p.id,
    'detail-type': detailType,
    source: 'aws.s3',
    account: p.account,
    time: isoSeconds(p.time),
    region: p.region,
    resources: [`arn:aws:s3:::${p.bucket}`],
    detail,
  };
}

/** The default bus of an account and region. */
export const defaultEventBusArn = (region: string, account: string): string => `arn:aws:events:${region}:${account}:event-bus/default`;
