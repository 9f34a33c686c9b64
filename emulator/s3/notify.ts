import type { RequestContext } from '../core/context';
import type { DeliveryMessage, Origin } from '../core/delivery';
import { uuid } from '../core/ids';
import type { ServiceDeps } from '../core/service';
import { buildEventBridgeEvent, defaultEventBusArn } from './eventbridge-event';
import { buildEventRecord, matchingConfigurations, SequencerSource, wrapRecords, type MatchedDestination } from './notifications';
import { bucketArn, callerPrincipalId, ownerPrincipalId } from './state';
import type { Bucket } from './store';

/**
 * Sends S3 event notifications for a stored change: one message per record to every matching queue, topic
 * or function (through the delivery bus, after the client has its answer), and the EventBridge event when
 * the bucket asks for it. Also records the change's trace hops.
 */

export interface EmitParams {
  bucket: Bucket;
  /** Without `s3:`, e.g. `ObjectCreated:Put`. */
  eventName: string;
  key: string;
  size?: number;
  etag?: string;
  /** The version involved; `null` (unversioned / suspended writes) is left out of records. */
  versionId?: string;
  /** The request that caused the event. */
  ctx: RequestContext;
  /** EventBridge `reason` (PutObject, CopyObject, …). */
  reason?: string;
  deletionType?: 'Permanently Deleted' | 'Delete Marker Created';
  glacierEventData?: {
    restoreEventData: { lifecycleRestorationExpiryTime: string; lifecycleRestoreStorageClass: string };
  };
  /** S3 itself made the change (a lifecycle action): records name `s3.amazonaws.com` as principal and source. */
  byS3?: boolean;
  /** A LifecycleTransition's new class: the record's `lifecycleEventData`, EventBridge's `destination-storage-class`. */
  destinationStorageClass?: string;
}

const S3_SERVICE = 's3.amazonaws.com';

const hopType = (eventName: string): string => {
  if (eventName.startsWith('ObjectCreated:')) return 's3.write';
  if (eventName.startsWith('ObjectRemoved:')) return 's3.delete';
  if (eventName.startsWith('ObjectTagging:')) return 's3.tagging';
  if (eventName.startsWith('ObjectRestore:')) return 's3.restore';
  return 's3.event';
};

export const S3_NOTIFICATION_SUBJECT = 'Amazon S3 Notification';

/** The bus message for a destination kind. */
export function messageFor(kind: MatchedDestination['kind'], json: string): DeliveryMessage {
  if (kind === 'queue') return { kind: 'sqs', body: json };
  if (kind === 'topic') return { kind: 'sns', message: json, subject: S3_NOTIFICATION_SUBJECT };
  return { kind: 'lambda', payload: json };
}

export class Notifier {
  private sequencers: SequencerSource;

  constructor(private readonly deps: ServiceDeps) {
    this.sequencers = new SequencerSource(deps.clock);
  }

  reset(): void {
    this.sequencers = new SequencerSource(this.deps.clock);
  }

  emit(p: EmitParams): void {
    const { bucket, eventName, key, ctx } = p;
    const { bus, clock } = this.deps;
    const createsOrDeletes = eventName.startsWith('ObjectCreated:') || eventName.startsWith('ObjectRemoved:') || eventName.startsWith('LifecycleExpiration:');
    const sequencer = createsOrDeletes ? this.sequencers.next(key) : undefined;
    const versionId = p.versionId !== undefined && p.versionId !== 'null' ? p.versionId : undefined;
    const correlation: Record<string, string> = { requestId: ctx.requestId, bucket: bucket.name, key, eventName };
    if (versionId) correlation.versionId = versionId;
    if (sequencer) correlation.sequencer = sequencer;
    // The writer's X-Ray trace header (the SDK inside a function sends it) carries Lambda's loop lineage on.
    const traceHeader = ctx.headers?.['x-amzn-trace-id'];
    if (typeof traceHeader === 'string') correlation.traceHeader = traceHeader;
    bus.record({ type: hopType(eventName), bucket: bucket.name, key, versionId: p.versionId, sequencer, requestId: ctx.requestId, eventName });

    const origin: Origin = { principal: 's3.amazonaws.com', sourceArn: bucketArn(bucket.name), sourceAccount: bucket.ownerAccount, correlation };
    const now = clock.now();
    for (const match of matchingConfigurations(bucket.notification, eventName, key)) {
      const record = buildEventRecord({
        region: bucket.region,
        eventName,
        eventTime: now,
        bucket: bucket.name,
        key,
        size: p.size,
        eTag: p.etag,
        versionId,
        sequencer,
        requestId: ctx.requestId,
        hostId: ctx.hostId,
        sourceIp: ctx.sourceIp, // a lifecycle action's context already names s3.amazonaws.com
        principalId: p.byS3 ? S3_SERVICE : callerPrincipalId(ctx),
        bucketOwnerPrincipalId: ownerPrincipalId(bucket.ownerAccount),
        configurationId: match.id,
        restore: p.glacierEventData
          ? {
              expiryTime: p.glacierEventData.restoreEventData.lifecycleRestorationExpiryTime,
              storageClass: p.glacierEventData.restoreEventData.lifecycleRestoreStorageClass,
            }
          : undefined,
        destinationStorageClass: p.destinationStorageClass,
      });
      bus.dispatch(match.arn, messageFor(match.kind, JSON.stringify(wrapRecords([record]))), origin);
      bus.record({
        type: 'notification.emitted',
        bucket: bucket.name,
        key,
        versionId: p.versionId,
        sequencer,
        requestId: ctx.requestId,
        eventName,
        destination: match.arn,
        configurationId: match.id,
      });
    }
    if (bucket.notification.EventBridgeConfiguration) this.toEventBridge(p, origin, now, versionId, sequencer);
  }

  /** Only when an EventBridge service answers for the default bus on the delivery bus. */
  private toEventBridge(p: EmitParams, origin: Origin, now: number, versionId: string | undefined, sequencer: string | undefined): void {
    const { bus } = this.deps;
    const busArn = defaultEventBusArn(p.bucket.region, p.bucket.ownerAccount);
    try {
      bus.check(busArn, origin);
    } catch {
      return;
    }
    const event = buildEventBridgeEvent({
      id: uuid(),
      eventName: p.eventName,
      time: now,
      region: p.bucket.region,
      account: p.bucket.ownerAccount,
      bucket: p.bucket.name,
      key: p.key,
      size: p.size,
      etag: p.etag,
      versionId,
      sequencer,
      requestId: p.ctx.requestId,
      requester: p.byS3 ? S3_SERVICE : p.ctx.accountId,
      sourceIp: p.byS3 ? undefined : p.ctx.sourceIp,
      reason: p.reason ?? defaultReason(p.eventName),
      deletionType: p.deletionType,
      restoreExpiryTime: p.glacierEventData?.restoreEventData.lifecycleRestorationExpiryTime,
      sourceStorageClass: p.glacierEventData?.restoreEventData.lifecycleRestoreStorageClass,
      destinationStorageClass: p.destinationStorageClass,
    });
    if (!event) return;
    bus.dispatch(busArn, { kind: 'event', event: event as unknown as Record<string, unknown> }, origin);
    bus.record({
      type: 'notification.emitted',
      bucket: p.bucket.name,
      key: p.key,
      versionId: p.versionId,
      sequencer,
      requestId: p.ctx.requestId,
      eventName: p.eventName,
      destination: busArn,
    });
  }
}

const defaultReason = (eventName: string): string | undefined =>
  eventName.startsWith('ObjectRemoved:') ? 'DeleteObject' : undefined;
