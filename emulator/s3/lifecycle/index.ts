import type { Persistable } from '../../core/service';
import { changedBy } from '../changed-by';
import type { S3State } from '../state';
import { findVersion, latestVersion } from '../store';
import { abortHeaders, expirationHeader } from './headers';
import { LifecycleScheduler } from './scheduler';

/**
 * Lifecycle rules, executed: the provider's operations are wrapped so that after each one the scheduler hears what
 * changed (a key, or the bucket) and the lifecycle response headers are added. The operations themselves know
 * nothing of lifecycle.
 */
export { LifecycleScheduler } from './scheduler';

const WRITES_OBJECT = new Set(['PutObject', 'PostObject', 'CopyObject', 'CompleteMultipartUpload']);
/** Bucket-wide changes that can move due times (other bucket settings cannot: no rescan after them). */
const RESCHEDULES_BUCKET = new Set(['CreateBucket', 'DeleteBucket', 'PutBucketLifecycleConfiguration', 'DeleteBucketLifecycle', 'PutBucketVersioning']);
/** Writes naming a key that leave its versions, tags and locks as they were. */
const LEAVES_KEY_DUE_TIMES = new Set(['UploadPart', 'UploadPartCopy', 'AbortMultipartUpload', 'PutObjectAcl']);

type Operation = (input: any, ctx: any) => unknown;

function afterOperation(state: S3State, scheduler: LifecycleScheduler, name: string, input: any, out: any): void {
  const bucketName = input?.Bucket;
  if (typeof bucketName !== 'string') return;
  const bucket = state.buckets.get(bucketName);
  // Most buckets have no lifecycle: nothing to add or schedule (a timer left from one just removed is disarmed below).
  if (!bucket?.lifecycle && !scheduler.isArmed(bucketName)) return;
  const key: unknown = input.Key ?? out?.Key;
  if (bucket?.lifecycle && out && typeof key === 'string') {
    if (name === 'GetObject' || name === 'HeadObject' || WRITES_OBJECT.has(name)) {
      const version = input.VersionId && !WRITES_OBJECT.has(name) ? findVersion(bucket, key, input.VersionId) : latestVersion(bucket, key);
      const expiration = expirationHeader(bucket, version);
      if (expiration) out.Expiration = expiration;
    } else if (name === 'CreateMultipartUpload' || name === 'ListParts') {
      Object.assign(out, abortHeaders(bucket, bucket.uploads.get(out.UploadId ?? input.UploadId)));
    }
  }
  const change = changedBy(name, input, out);
  if (!change || LEAVES_KEY_DUE_TIMES.has(name)) return;
  if (name === 'CreateMultipartUpload' && change.uploadId !== undefined) scheduler.noteUpload(bucketName, change.uploadId);
  else if (change.key !== undefined) scheduler.noteKey(bucketName, change.key);
  else if (change.deletedKeys.length) for (const k of change.deletedKeys) scheduler.noteKey(bucketName, k);
  else if (RESCHEDULES_BUCKET.has(name)) scheduler.noteBucket(bucketName);
}

/** The provider with every S3 operation (the PascalCase methods) followed by the lifecycle bookkeeping. */
export function withLifecycle<P extends Record<string, unknown>>(state: S3State, scheduler: LifecycleScheduler, provider: P): P {
  const wrapped: Record<string, unknown> = { ...provider };
  for (const [name, op] of Object.entries(provider)) {
    if (!/^[A-Z]/.test(name) || typeof op !== 'function') continue;
    wrapped[name] = async (input: any, ctx: any) => {
      const out = await (op as Operation)(input, ctx);
      afterOperation(state, scheduler, name, input, out);
      return out;
    };
  }
  return wrapped as P;
}

/** Persistence whose restore also sets the lifecycle timers of the restored buckets. */
export function rearmOnRestore(persistence: Persistable, scheduler: LifecycleScheduler): Persistable {
  return {
    ...persistence,
    async restore(entities) {
      await persistence.restore(entities);
      scheduler.syncAll();
    },
  };
}
