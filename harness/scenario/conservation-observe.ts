import { ifExists } from '../../deploy-scripts/aws-errors';
import { HeadObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { isAwsError } from '../../deploy-scripts/aws-errors';
import type { AwsClients } from '../../deploy-scripts/clients';
import type { PipelineSpec, Resources } from '../../deploy-scripts/pipeline';
import type { DeliveryBus, Hop } from '../../emulator/core/delivery';
import { REPORT_PREFIX } from '../../handlers/shared/report-key';
import { extractS3Records, objectRefOf } from '../../handlers/shared/s3-records';
import type { Observer } from './observe';
import { routeFor, sinksOf, type LedgerInput, type LedgerWrite, type NamedObject, type Sink, type SinkObservation } from './conservation';

/**
 * Gathers what the ledger needs, through the same SDK calls on every backend: reports (ListObjectsV2 +
 * GetObject), alerts / DLQ messages, the functions' logs (for deletes), HEAD of unversioned keys. Report
 * writes are counted from the embedded emulator's trace hops when the scenario has them, else from the
 * versions of a versioned report bucket (ListObjectVersions), else not at all.
 */
export class LedgerProbe {
  readonly sinks: Sink[];

  constructor(
    private readonly clients: AwsClients,
    private readonly observe: Observer,
    private readonly resources: Resources,
    pipeline: PipelineSpec,
    /** The scenario's trace hops, when the backend is the embedded emulator. */
    private readonly hops: () => readonly Hop[] | undefined,
    /** The emulator's bus when the scenario has an emulator of its own (nothing else delivers on it). */
    private readonly ownBus: DeliveryBus | undefined,
  ) {
    this.sinks = sinksOf(pipeline, resources);
  }

  versioned(): Record<string, boolean> {
    return Object.fromEntries(Object.values(this.resources.buckets).map((b) => [b.name, b.versioning]));
  }

  /** HEAD of every unversioned key written: its etag, or null when it is gone. */
  async current(writes: LedgerWrite[]): Promise<Map<string, string | null>> {
    const versioned = this.versioned();
    const out = new Map<string, string | null>();
    for (const w of writes) {
      const id = `${w.bucket}/${w.key}`;
      if (versioned[w.bucket] || out.has(id)) continue;
      try {
        const head = await this.clients.s3.send(new HeadObjectCommand({ Bucket: w.bucket, Key: w.key }));
        out.set(id, (head.ETag ?? '').replace(/"/g, ''));
      } catch (e) {
        if (isAwsError(e, 'NotFound') || isAwsError(e, 'NoSuchKey') || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) out.set(id, null);
        else throw e;
      }
    }
    return out;
  }

  async input(writes: LedgerWrite[], current: Map<string, string | null>): Promise<LedgerInput> {
    const observations: Record<string, SinkObservation> = {};
    for (const sink of this.sinks) observations[sink.id] = await this.observeSink(sink, writes);
    return { writes, versioned: this.versioned(), sinks: this.sinks, observations, current };
  }

  private bucketId(name: string): string {
    const id = Object.entries(this.resources.buckets).find(([, b]) => b.name === name)?.[0];
    if (!id) throw new Error(`bucket ${name} is not part of this pipeline`);
    return id;
  }

  private async observeSink(sink: Sink, writes: LedgerWrite[]): Promise<SinkObservation> {
    const reportBucketId = this.bucketId(sink.reportBucket);
    const reports = [...(await this.observe.reports(reportBucketId)).values()]
      .filter((r) => typeof r.bucket === 'string' && typeof r.key === 'string')
      .map((r) => ({ reportKey: r.reportKey, bucket: r.bucket as string, key: r.key as string, versionId: (r.versionId as string | null) ?? null, etag: (r.etag as string | null) ?? null }));

    const deadLetters: NamedObject[] = [];
    for (const dlq of sink.dlqs) {
      for (const m of await this.observe.dlqMessages(dlq)) {
        if (m.alert) deadLetters.push(...(m.alert.objects?.length ? m.alert.objects : m.alert.key ? [{ bucket: m.alert.bucket ?? '', key: m.alert.key, versionId: m.alert.versionId }] : []));
        else if (m.body) deadLetters.push(...namedIn(m.body));
      }
    }

    // Deletes are "processed" when the function logged them; read its logs only when a delete reaches it.
    const removals: NamedObject[] = [];
    if (writes.some((w) => w.op === 'delete' && routeFor(sink, w))) {
      for (const e of await this.observe.logEntries(sink.id)) {
        if (e.msg !== 'ignored event' || !String(e.eventName ?? '').startsWith('ObjectRemoved:')) continue;
        const named = parseObjectUrl(e.object);
        if (named) removals.push(named);
      }
    }

    const reportWrites = await this.reportWrites(sink);
    return { reports, deadLetters, removals, ...(reportWrites ? { reportWrites } : {}) };
  }

  private async reportWrites(sink: Sink): Promise<SinkObservation['reportWrites']> {
    const hops = this.hops();
    if (hops) {
      const out = new Map<string, { writes: number }>();
      for (const h of hops) {
        if (h.type !== 's3.write' || h.bucket !== sink.reportBucket || typeof h.key !== 'string' || !h.key.startsWith(REPORT_PREFIX)) continue;
        out.set(h.key, { writes: (out.get(h.key)?.writes ?? 0) + 1 });
      }
      return out;
    }
    if (!this.resources.buckets[this.bucketId(sink.reportBucket)]?.versioning) return undefined;
    const out = new Map<string, { writes: number; etags: string[] }>();
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    do {
      const page = await this.clients.s3.send(new ListObjectVersionsCommand({ Bucket: sink.reportBucket, Prefix: REPORT_PREFIX, KeyMarker, VersionIdMarker }));
      for (const v of page.Versions ?? []) {
        const entry = out.get(v.Key!) ?? { writes: 0, etags: [] };
        entry.writes++;
        entry.etags.push((v.ETag ?? '').replace(/"/g, ''));
        out.set(v.Key!, entry);
      }
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (KeyMarker);
    return out;
  }

  /**
   * Nothing left to happen: every queue the pipeline works from is empty (nothing visible, in flight or
   * delayed) and, on an emulator of the scenario's own, no delivery is pending or under way.
   */
  async quiet(): Promise<boolean> {
    if (this.ownBus) {
      if (this.ownBus.busy()) return false;
      const idle = await Promise.race([this.ownBus.idle().then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
      if (!idle) return false;
    }
    const probes = new Set(Object.values(this.resources.probes));
    for (const [id, q] of Object.entries(this.resources.queues)) {
      if (probes.has(id)) continue;
      // A DLQ nobody reads keeps its messages: that is where they end, not work to wait for.
      if (id.endsWith('-dlq') && !this.observe.consumedByErrorHandler(id)) continue;
      // A queue the scenario deleted has nothing left to deliver.
      const found = await ifExists(
        () =>
          this.clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: q.url,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
            }),
          ),
        'QueueDoesNotExist',
        'AWS.SimpleQueueService.NonExistentQueue',
      );
      const a = found?.Attributes ?? {};
      if (Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0) > 0) return false;
    }
    return true;
  }
}

/** The objects an S3 event (in whatever wrapping reached a DLQ) is about. */
function namedIn(body: string): NamedObject[] {
  try {
    return extractS3Records(body).map((r) => {
      const ref = objectRefOf(r);
      return { bucket: ref.bucket, key: ref.key, versionId: ref.versionId };
    });
  } catch {
    return [];
  }
}

/** `s3://bucket/key?versionId=…` (the processor's log field) → the object. */
export function parseObjectUrl(url: unknown): NamedObject | undefined {
  if (typeof url !== 'string') return undefined;
  const m = /^s3:\/\/([^/]+)\/(.*?)(?:\?versionId=(.*))?$/.exec(url);
  if (!m) return undefined;
  return { bucket: m[1]!, key: m[2]!, versionId: m[3] && m[3] !== 'null' ? m[3] : null };
}
