import type { Timer } from '../../core/clock';
import type { S3State } from '../state';
import type { Bucket } from '../store';
import { applyAction } from './expire';
import { bucketNextDue, firstDue, keyActions, keyNextDue, minDue, minOf, uploadActions, uploadNextDue } from './plan';
import { enabledRules, firstRunAfter } from './rules';

/**
 * Runs lifecycle rules on the emulator's clock: one timer per bucket, set for the bucket's earliest due action.
 * A change to one key can only bring that key's actions forward, so `noteKey` looks at that key alone and moves
 * the timer earlier if needed; a change to the bucket (its rules, its versioning) rescans it. When a timer fires
 * every action due by then is carried out and the timer is set for the next one — no polling between due times.
 * A timer that fires early (a key changed after it was set) finds nothing due and just re-arms.
 */
export class LifecycleScheduler {
  private readonly armed = new Map<string, { bucket: Bucket; due: number; timer: Timer }>();

  constructor(private readonly state: S3State) {}

  /** A key (its versions, tags or lock) changed. */
  noteKey(bucketName: string, key: string): void {
    const bucket = this.liveBucket(bucketName);
    if (bucket) this.armBy(bucket, keyNextDue(bucket, key));
  }

  /** A multipart upload started. */
  noteUpload(bucketName: string, uploadId: string): void {
    const bucket = this.liveBucket(bucketName);
    const upload = bucket?.uploads.get(uploadId);
    if (bucket && upload) this.armBy(bucket, uploadNextDue(bucket, upload));
  }

  /** Moves the bucket's timer earlier if `due` comes first (a change can only bring something forward). */
  private armBy(bucket: Bucket, due: number | undefined): void {
    const current = this.armed.get(bucket.name);
    if (due !== undefined && (!current || current.bucket !== bucket || due < current.due)) this.arm(bucket, due);
  }

  /** The bucket's configuration changed (or it was created or deleted): recompute its timer from scratch. */
  noteBucket(bucketName: string): void {
    const bucket = this.liveBucket(bucketName);
    const due = bucket && bucketNextDue(bucket);
    if (bucket && due !== undefined) this.arm(bucket, due);
    else this.disarm(bucketName);
  }

  /** Every bucket (after state was restored from disk). */
  syncAll(): void {
    for (const name of this.state.buckets.keys()) this.noteBucket(name);
  }

  cancelAll(): void {
    for (const { timer } of this.armed.values()) timer.cancel();
    this.armed.clear();
  }

  isArmed(bucketName: string): boolean {
    return this.armed.has(bucketName);
  }

  /** The bucket, if it exists and has an enabled rule. */
  private liveBucket(name: string): Bucket | undefined {
    const bucket = this.state.buckets.get(name);
    if (!bucket || enabledRules(bucket).length === 0) {
      this.disarm(name);
      return undefined;
    }
    return bucket;
  }

  private disarm(name: string): void {
    this.armed.get(name)?.timer.cancel();
    this.armed.delete(name);
  }

  private arm(bucket: Bucket, due: number): void {
    this.disarm(bucket.name);
    const clock = this.state.deps.clock;
    const timer = clock.setTimer(Math.max(0, due - clock.now()), () => {
      if (this.armed.get(bucket.name)?.timer !== timer) return;
      this.armed.delete(bucket.name);
      if (this.state.buckets.get(bucket.name) !== bucket) return;
      const next = this.run(bucket);
      // Anything still due now could not act (it would have): look again at the next daily run, not in a loop.
      const now = clock.now();
      if (next !== undefined) this.arm(bucket, next > now ? next : firstRunAfter(now));
    });
    this.armed.set(bucket.name, { bucket, due, timer });
  }

  /**
   * Carries out every action due by now, key by key (each action can make another due: re-planned after each), and
   * answers when the bucket's next action is due, from the plans it made: a key's plan depends on that key alone.
   */
  private run(bucket: Bucket): number | undefined {
    const now = this.state.deps.clock.now();
    let next: number | undefined;
    for (const key of [...bucket.keys]) {
      // Each version can take a few steps (transitions down the waterfall, then a deletion): a bound, not a count.
      const limit = ((bucket.objects.get(key)?.versions.length ?? 0) + 1) * 8;
      let actions = keyActions(bucket, key);
      for (let i = 0; i < limit; i++) {
        const action = firstDue(bucket, actions, now);
        if (!action) break;
        applyAction(this.state, bucket, action);
        actions = keyActions(bucket, key);
      }
      next = minOf(next, minDue(actions));
    }
    for (const action of uploadActions(bucket)) {
      if (action.due.at <= now) applyAction(this.state, bucket, action);
      else next = minOf(next, action.due.at);
    }
    return next;
  }
}
