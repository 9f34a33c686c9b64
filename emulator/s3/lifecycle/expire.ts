import type { RequestContext } from '../../core/context';
import { previousMidnight } from '../../core/calendar';
import { s3HostId, s3RequestId } from '../../core/ids';
import { newDeleteMarker, type S3State } from '../state';
import { putVersion, removeVersion, type Bucket } from '../store';
import type { Action } from './plan';

/**
 * Carries out one due lifecycle action with the store operations a DeleteObject / AbortMultipartUpload uses, and
 * sends the lifecycle event S3 sends for it (S3 User Guide, "Configuring S3 Lifecycle event notifications"):
 * `LifecycleExpiration:Delete` for a permanent deletion, `LifecycleExpiration:DeleteMarkerCreated` for a delete
 * marker, `LifecycleTransition` for a change of storage class. Nothing is sent for an aborted upload (S3 has no
 * such event).
 */

/** No request stands behind a lifecycle action: S3 itself is the principal and source of its events. */
function lifecycleContext(bucket: Bucket): RequestContext {
  return {
    region: bucket.region,
    accountId: bucket.ownerAccount,
    requestId: s3RequestId(),
    hostId: s3HostId(),
    endpoint: '',
    sourceIp: 's3.amazonaws.com',
    accessKeyId: '',
    headers: {},
    operation: 'Lifecycle',
  };
}

export function applyAction(state: S3State, bucket: Bucket, action: Action): void {
  const now = state.deps.clock.now();
  // The records carry no size or ETag, as S3's lifecycle example shows.
  const emit = (eventName: string, key: string, versionId: string, deletionType: 'Permanently Deleted' | 'Delete Marker Created') =>
    state.notifier.emit({ bucket, eventName, key, versionId, ctx: lifecycleContext(bucket), reason: 'Lifecycle Expiration', deletionType, byS3: true });

  if (action.kind === 'abortUpload') {
    bucket.uploads.delete(action.upload.uploadId);
    state.changedUpload?.(bucket.name, action.upload.uploadId);
    return;
  }
  const v = action.version;
  if (action.kind === 'transition') {
    // The version keeps its id, body and dates; only its class changes (an archived class then needs a restore to be read).
    const destination = action.due.storageClass;
    v.storageClass = destination;
    state.changed?.(bucket.name, v.key);
    state.notifier.emit({ bucket, eventName: 'LifecycleTransition', key: v.key, size: v.body.length, etag: v.etag, versionId: v.versionId, ctx: lifecycleContext(bucket), byS3: true, destinationStorageClass: destination });
    return;
  }
  if (action.kind === 'expireCurrent' && bucket.versioning) {
    // S3 dates the marker lifecycle places at 00:00 UTC of the day it runs.
    const marker = newDeleteMarker(bucket, v.key, previousMidnight(now), bucket.ownerAccount);
    putVersion(bucket, marker);
    emit('LifecycleExpiration:DeleteMarkerCreated', v.key, marker.versionId, 'Delete Marker Created');
  } else {
    removeVersion(bucket, v.key, v.versionId);
    emit('LifecycleExpiration:Delete', v.key, v.versionId, 'Permanently Deleted');
  }
  state.changed?.(bucket.name, v.key);
}
