import { createHash } from 'node:crypto';
import type { Timer } from '../core/clock';
import type { RequestContext } from '../core/context';
import { randomHex } from '../core/ids';
import type { ServiceDeps } from '../core/service';
import { noSuchBucket } from './errors';
import type { Bucket, ObjectVersion } from './store';
import type { Notifier } from './notify';

/** What every group of S3 operations shares: the buckets, the deps, the notifier and pending timers. */
export interface S3State {
  deps: ServiceDeps;
  buckets: Map<string, Bucket>;
  notifier: Notifier;
  timers: Set<Timer>;
  /** Set when state is persisted: a key changed outside a request (a restore completing). */
  changed?: (bucket: string, key: string) => void;
  /** Set when state is persisted: a multipart upload changed outside a request (lifecycle aborted it). */
  changedUpload?: (bucket: string, uploadId: string) => void;
}

export function getBucket(state: S3State, name: string | undefined): Bucket {
  const bucket = name === undefined ? undefined : state.buckets.get(name);
  if (!bucket) throw noSuchBucket(name ?? '');
  return bucket;
}

/** Runs `fn` after `delayMs` of emulated time; the timer is cancelled by reset/close. */
export function schedule(state: S3State, delayMs: number, fn: () => void): void {
  const timer = state.deps.clock.setTimer(delayMs, () => {
    state.timers.delete(timer);
    fn();
  });
  state.timers.add(timer);
}

/** S3 timestamps have whole-second precision (Last-Modified, CreationDate, Initiated, conditional requests). */
export const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
export const nowSeconds = (state: S3State): number => wholeSecond(state.deps.clock.now());

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';

/** Random id in S3's version-id alphabet; 6 bits per character, from the seedable random source. */
function randomId(chars: number): string {
  const bytes = Buffer.from(randomHex(Math.ceil((chars * 6) / 8)), 'hex');
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6 && out.length < chars) {
      bits -= 6;
      out += ID_ALPHABET[(acc >> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export const newVersionId = (): string => randomId(32);
export const newUploadId = (): string => randomId(64);

/** The version id a write gets: a fresh one when versioning is Enabled, else `null`. */
export const writeVersionId = (bucket: Bucket): string => (bucket.versioning === 'Enabled' ? newVersionId() : 'null');

/** A delete marker for `key` as the bucket's versioning names it (a new id, or `null` when suspended). */
export function newDeleteMarker(bucket: Bucket, key: string, lastModified: number, ownerAccount: string): ObjectVersion {
  return {
    key,
    versionId: writeVersionId(bucket),
    isDeleteMarker: true,
    lastModified,
    body: Buffer.alloc(0),
    etag: '',
    metadata: {},
    headers: {},
    tags: [],
    storageClass: 'STANDARD',
    ownerAccount,
  };
}

/** The version id to show in responses: only once a bucket has versioning configured. */
export const shownVersionId = (bucket: Bucket, version: ObjectVersion): string | undefined =>
  bucket.versioning ? version.versionId : undefined;

/** A stable fake canonical user id for an account (64 hex, like S3's). */
export const canonicalUserId = (accountId: string): string =>
  createHash('sha256').update(`s3-event-harness:${accountId}`).digest('hex');

export const owner = (accountId: string) => ({ ID: canonicalUserId(accountId) });

/** The bucket owner's principal in event records (S3 shows a short customer id such as `A3NL1KOZZKExample`). */
export const ownerPrincipalId = (accountId: string): string => `A${canonicalUserId(accountId).slice(0, 13).toUpperCase()}`;

/** The caller as an event's `userIdentity.principalId`. */
export const callerPrincipalId = (ctx: RequestContext): string =>
  !ctx.accessKeyId || ctx.accessKeyId === 'anonymous' ? 'ANONYMOUS_PRINCIPAL' : `AWS:${ctx.accessKeyId}`;

export const bucketArn = (name: string): string => `arn:aws:s3:::${name}`;

/** ETags compare without their quotes; `*` matches anything. */
export function etagMatches(condition: string, etag: string): boolean {
  const bare = etag.replace(/^"|"$/g, '');
  return condition
    .split(',')
    .map((c) => c.trim().replace(/^W\//, '').replace(/^"|"$/g, ''))
    .some((c) => c === '*' || c === bare);
}

/** An operation's output as a provider returns it (the SDK adds `$metadata` on the client side). */
export type Out<T> = Omit<T, '$metadata'>;
