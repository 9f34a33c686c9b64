import type * as S3 from '@aws-sdk/client-s3';
import { addDays, nextMidnight } from '../core/calendar';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { withMeta } from '../core/service';
import { invalidObjectState } from './errors';
import { assertKey } from './names';
import { versionForRead } from './object-read';
import { getBucket, schedule, type Out, type S3State } from './state';

/**
 * RestoreObject for archived objects (GLACIER, DEEP_ARCHIVE): ObjectRestore:Post now, then after the tier's
 * delay on the emulator clock the restored copy becomes readable and ObjectRestore:Completed is sent.
 * AWS takes minutes (Expedited) to hours (Standard, Bulk); the emulator stands in with emulated seconds
 * so a harness run sees completion; a VirtualClock or `restoreDelayMs` changes that.
 */
export const DEFAULT_RESTORE_DELAY_MS: Record<string, number> = { Expedited: 1_000, Standard: 3_000, Bulk: 5_000 };

/** S3 rounds the expiry of a restored copy up to the next midnight UTC. */
const restoreExpiry = (now: number, days: number): number => nextMidnight(addDays(now, days));

export function restoreOperations(state: S3State, restoreDelayMs: Record<string, number> = DEFAULT_RESTORE_DELAY_MS) {
  const { notifier } = state;

  return {
    async RestoreObject(input: S3.RestoreObjectCommandInput, ctx: RequestContext): Promise<Out<S3.RestoreObjectCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      assertKey(input.Key);
      const version = versionForRead(bucket, input.Key, input.VersionId, 'POST');
      if (version.storageClass !== 'GLACIER' && version.storageClass !== 'DEEP_ARCHIVE') throw invalidObjectState(version.storageClass);
      const request = input.RestoreRequest ?? {};
      const days = request.Days ?? 1;
      if (!Number.isInteger(days) || days < 1) throw new AwsError('InvalidArgument', 'Days must be a positive integer', 400, { ArgumentName: 'Days' });
      const tier = request.GlacierJobParameters?.Tier ?? request.Tier ?? 'Standard';
      if (version.storageClass === 'DEEP_ARCHIVE' && tier === 'Expedited') {
        throw invalidObjectState(version.storageClass);
      }
      if (version.restore?.ongoing) throw new AwsError('RestoreAlreadyInProgress', 'Object restore is already in progress', 409);
      if (version.restore) {
        // Already restored: only the expiry moves; no new events.
        version.restore = { ...version.restore, days, expiry: restoreExpiry(state.deps.clock.now(), days) };
        return {};
      }
      version.restore = { ongoing: true, days, tier };
      notifier.emit({ bucket, eventName: 'ObjectRestore:Post', key: version.key, size: version.body.length, etag: version.etag, versionId: version.versionId, ctx, reason: 'RestoreObject' });

      schedule(state, restoreDelayMs[tier] ?? DEFAULT_RESTORE_DELAY_MS.Standard!, () => {
        // The version may have been deleted meanwhile (or state reset): then nothing completes.
        if (state.buckets.get(bucket.name) !== bucket || !bucket.objects.get(version.key)?.versions.includes(version)) return;
        const expiry = restoreExpiry(state.deps.clock.now(), days);
        version.restore = { ongoing: false, days, tier, expiry };
        state.changed?.(bucket.name, version.key);
        notifier.emit({
          bucket,
          eventName: 'ObjectRestore:Completed',
          key: version.key,
          size: version.body.length,
          etag: version.etag,
          versionId: version.versionId,
          ctx,
          glacierEventData: {
            restoreEventData: {
              lifecycleRestorationExpiryTime: new Date(expiry).toISOString(),
              lifecycleRestoreStorageClass: version.storageClass,
            },
          },
        });
      });
      return withMeta({}, { status: 202 });
    },
  };
}
