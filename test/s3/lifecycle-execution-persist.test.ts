import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig } from '../helpers/emulator';

/**
 * Lifecycle timers are not saved with --data-dir: they are set again from the restored buckets, so an object
 * written before a restart still expires on time after it, and an upload it left behind is still aborted.
 */

const at = (day: number) => Date.UTC(2026, 0, day);

/** An emulator on a data dir and a virtual clock that can be restarted on both; `s3()` is a client of the current one. */
async function restartable() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-persist-'));
  const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12));
  let emu: RunningEmulator | undefined;
  let client: S3Client | undefined;
  const start = async () => {
    emu = await startEmulator({ port: 0, log: () => {}, clock, dataDir: dir });
    client = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
  };
  const stop = async () => {
    client?.destroy();
    await emu?.stop();
  };
  await start();
  return {
    clock,
    s3: () => client!,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

it('a restart with dataDir re-arms the lifecycle schedule of restored buckets', async () => {
  const { clock, s3, restart, dispose } = await restartable();
  const Bucket = 'persisted-lifecycle';
  try {
    await s3().send(new S3.CreateBucketCommand({ Bucket }));
    await s3().send(
      new S3.PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: { Rules: [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
      }),
    );
    await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    await s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'up' }));
    await restart();
    clock.advance(at(3) - 1 - clock.now());
    expect((await s3().send(new S3.ListObjectsV2Command({ Bucket }))).Contents?.map((o) => o.Key)).toEqual(['k']);
    clock.advance(1);
    expect((await s3().send(new S3.ListObjectsV2Command({ Bucket }))).KeyCount).toBe(0);
    expect((await s3().send(new S3.ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
    // What lifecycle removed in the background was written to disk too.
    await restart();
    expect((await s3().send(new S3.ListObjectsV2Command({ Bucket }))).KeyCount).toBe(0);
    expect((await s3().send(new S3.ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
  } finally {
    await dispose();
  }
});

it('a storage class a lifecycle transition set is saved with --data-dir', async () => {
  const { clock, s3, restart, dispose } = await restartable();
  const Bucket = 'persisted-transition';
  try {
    await s3().send(new S3.CreateBucketCommand({ Bucket }));
    const Rules: S3.LifecycleRule[] = [{ ID: 'cold', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] }];
    await s3().send(new S3.PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules }, TransitionDefaultMinimumObjectSize: 'varies_by_storage_class' }));
    await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    clock.advance(at(3) - clock.now());
    expect((await s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k' }))).StorageClass).toBe('GLACIER');
    await restart();
    expect((await s3().send(new S3.ListObjectsV2Command({ Bucket }))).Contents?.map((o) => o.StorageClass)).toEqual(['GLACIER']);
  } finally {
    await dispose();
  }
});
