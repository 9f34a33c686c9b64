import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type { ServiceDeps } from '../core/service';
import { aclOperations } from './acl';
import { bucketConfigOperations, bucketConfigsDigest } from './bucket-configs';
import { bucketSettingsOperations } from './bucket-settings';
import { bucketOperations } from './buckets';
import { listOperations } from './list-objects';
import { multipartOperations } from './multipart';
import { notificationConfigOperations } from './notification-config';
import { Notifier } from './notify';
import { objectAttributesOperations } from './object-attributes';
import { objectLockOperations } from './object-lock';
import { objectOperations } from './objects';
import { objectTaggingOperations } from './object-tagging';
import { versionForRead } from './object-read';
import { restoreOperations } from './restore';
import { LifecycleScheduler, rearmOnRestore, withLifecycle } from './lifecycle';
import { s3Persistence } from './persistence';
import { registerServiceWrites } from './service-writes';
import { assertCustomerKeyFor } from './sse-c';
import { getBucket, type S3State } from './state';
import type { Bucket, ObjectVersion } from './store';

export interface S3ProviderOptions {
  /** Emulated delay before a RestoreObject completes, per tier (Expedited, Standard, Bulk). */
  restoreDelayMs?: Record<string, number>;
}

/** What `bus.ask('s3.getObject', …)` takes (Lambda reads function code from S3 with it). */
export interface GetObjectQuery {
  bucket: string;
  key: string;
  versionId?: string;
}

/**
 * The S3 provider: one method per S3 operation (SDK input/output shapes), plus `reset`, `close`, `digest`.
 * State is in memory only: keys never reach the filesystem.
 */
export function createS3Provider(deps: ServiceDeps, options: S3ProviderOptions = {}) {
  const state: S3State = { deps, buckets: new Map(), notifier: new Notifier(deps), timers: new Set() };

  const lifecycle = new LifecycleScheduler(state);

  const cancelTimers = () => {
    for (const t of state.timers) t.cancel();
    state.timers.clear();
    lifecycle.cancelAll();
  };

  /**
   * The bytes of an object (latest, or a given version): for other services, through the bus. They have no SSE-C
   * key to send, so an SSE-C object is refused them as a GET without the key is.
   */
  const getObjectBytes = ({ bucket, key, versionId }: GetObjectQuery): Buffer => {
    const v = versionForRead(getBucket(state, bucket), key, versionId, 'GET');
    assertCustomerKeyFor(v.encryption, {});
    return v.body;
  };

  deps.bus.answer<GetObjectQuery, Buffer>('s3.getObject', async (q) => getObjectBytes(q));

  const provider = withLifecycle(state, lifecycle, {
    ...bucketOperations(state),
    ...objectOperations(state),
    ...listOperations(state),
    ...multipartOperations(state),
    ...objectTaggingOperations(state),
    ...restoreOperations(state, options.restoreDelayMs),
    ...notificationConfigOperations(state),
    ...bucketSettingsOperations(state),
    ...aclOperations(state),
    ...objectLockOperations(state),
    ...objectAttributesOperations(state),
    ...bucketConfigOperations(state),

    reset(): void {
      cancelTimers();
      state.buckets.clear();
      state.notifier.reset();
    },

    close(): void {
      cancelTimers();
    },

    getObjectBytes,

    persistence: deps.options.dataDir ? rearmOnRestore(s3Persistence(state), lifecycle) : undefined,

    /**
     * A stable hash of every bucket, key and version (content, headers, tags; not times, and version ids
     * only as `null` or their position in the key's history), so two runs of the same operations compare equal.
     */
    digest(): string {
      const h = createHash('sha256');
      const names = [...state.buckets.keys()].sort();
      for (const name of names) {
        const b = state.buckets.get(name)!;
        h.update(JSON.stringify(['bucket', name, b.region, b.versioning ?? '', b.tags ?? [], b.policy ?? '', b.notification]) + '\n');
        h.update(JSON.stringify(['settings', bucketSettingsDigest(b)]) + '\n');
        for (const key of b.keys) {
          const versions = b.objects.get(key)!.versions;
          versions.forEach((v, i) => {
            h.update(
              JSON.stringify([
                'version',
                key,
                v.versionId === 'null' ? 'null' : `#${versions.length - 1 - i}`,
                v.isDeleteMarker,
                v.etag,
                v.body.length,
                zlib.crc32(v.body),
                v.metadata,
                v.headers,
                v.tags,
                v.storageClass,
                v.checksum ?? null,
                v.acl ?? null,
                v.encryption ?? null,
                ...lockDigest(v),
              ]) + '\n',
            );
          });
        }
        const uploads = [...b.uploads.values()].map((u) => [u.key, [...u.parts.keys()].sort((x, y) => x - y)]);
        h.update(JSON.stringify(['uploads', uploads.sort()]) + '\n');
      }
      return h.digest('hex');
    },
  });
  // Objects other services write (a Logs export) go through the same PutObject, lifecycle bookkeeping included.
  registerServiceWrites(state, (input, ctx) => provider.PutObject(input, ctx));
  return provider;
}

/** The bucket's sub-resource settings, in a fixed order (without replication rule ids: S3 makes one up for a rule that has none). */
function bucketSettingsDigest(b: Bucket): unknown[] {
  const replication = b.replication && { ...b.replication, Rules: b.replication.Rules?.map(({ ID: _id, ...r }) => r) };
  return [
    b.cors ?? null,
    b.lifecycle ?? null,
    b.encryption ?? null,
    b.publicAccessBlock,
    b.ownership,
    b.acl ?? null,
    b.website ?? null,
    b.logging ?? null,
    b.accelerate ?? null,
    b.requestPayer,
    replication ?? null,
    b.objectLock ?? null,
    bucketConfigsDigest(b),
  ];
}

/**
 * A version's Object Lock: mode and legal hold, and the retention as whole seconds after the version was written
 * (a default retention's date follows the clock, so the absolute date would differ between runs).
 */
function lockDigest(v: ObjectVersion): unknown[] {
  if (!v.retention && !v.legalHold) return [];
  const retention = v.retention ? [v.retention.mode, Math.round((v.retention.until - v.lastModified) / 1000)] : null;
  return [retention, v.legalHold ?? null];
}

export type S3Provider = ReturnType<typeof createS3Provider>;
