import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { clientConfig } from '../helpers/emulator';

/*
 * Every start compacted (rewrote the whole snapshot) and so did every stop, even when the journal was empty and the
 * snapshot already held everything: with 100,000 objects of 1 KiB that was 2.3 s of each restart and 2.3 s of each
 * stop. Now the snapshot is rewritten only when there is something to fold into it. SNS used that start-time
 * compaction to resume its owed deliveries (test/persistence/sns-retries.test.ts); it has its own hook now.
 */
let dir: string;
let emu: RunningEmulator | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restart-rewrites-'));
});
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const snapshot = () => path.join(dir, 'state', 'snapshot.jsonl');
const journalBytes = () => fs.statSync(path.join(dir, 'state', 'journal.jsonl')).size;
/** The snapshot is replaced by a rename, so a rewrite shows as a new inode. */
const snapshotInode = () => fs.statSync(snapshot()).ino;
const start = async () => (emu = await startEmulator({ port: 0, log: () => {}, dataDir: dir }));
const s3 = () => new S3Client({ ...clientConfig(emu!), forcePathStyle: true });

it('a start and a stop with nothing new leave the snapshot as it is; a change is folded in at the next stop', async () => {
  await start();
  await s3().send(new CreateBucketCommand({ Bucket: 'kept' }));
  await s3().send(new PutObjectCommand({ Bucket: 'kept', Key: 'a', Body: 'first' }));
  expect(journalBytes()).toBeGreaterThan(0);
  await emu!.stop();
  expect(journalBytes()).toBe(0); // folded into the snapshot at the stop
  const written = snapshotInode();

  await start();
  expect(snapshotInode()).toBe(written);
  const read = await s3().send(new GetObjectCommand({ Bucket: 'kept', Key: 'a' }));
  expect(await read.Body!.transformToString()).toBe('first');
  await emu!.stop();
  expect(snapshotInode()).toBe(written);

  await start();
  await s3().send(new PutObjectCommand({ Bucket: 'kept', Key: 'a', Body: 'second' }));
  await emu!.stop();
  expect(snapshotInode()).not.toBe(written);
  expect(journalBytes()).toBe(0);

  await start();
  const again = await s3().send(new GetObjectCommand({ Bucket: 'kept', Key: 'a' }));
  expect(await again.Body!.transformToString()).toBe('second');
});

it('a journal left by a kill (no stop) is folded into the snapshot at the next start', async () => {
  await start();
  await s3().send(new CreateBucketCommand({ Bucket: 'kept' }));
  await emu!.stop();
  // What a kill -9 leaves: the change is in the journal only.
  await start();
  await s3().send(new PutObjectCommand({ Bucket: 'kept', Key: 'b', Body: 'journaled' }));
  const journal = fs.readFileSync(path.join(dir, 'state', 'journal.jsonl'));
  const snap = fs.readFileSync(snapshot());
  await emu!.stop();
  emu = undefined;
  fs.writeFileSync(snapshot(), snap);
  fs.writeFileSync(path.join(dir, 'state', 'journal.jsonl'), journal);
  const written = snapshotInode(); // still linked while the new one is written, so a rewrite cannot reuse it

  await start();
  expect(journalBytes()).toBe(0);
  expect(snapshotInode()).not.toBe(written);
  const read = await s3().send(new GetObjectCommand({ Bucket: 'kept', Key: 'b' }));
  expect(await read.Body!.transformToString()).toBe('journaled');
});
