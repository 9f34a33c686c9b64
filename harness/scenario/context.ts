import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { parseDuration } from '../../emulator/core/clock';
import type { AwsClients } from '../../deploy-scripts/clients';
import type { PipelineSpec, Resources } from '../../deploy-scripts/pipeline';
import type { Hop } from '../../emulator/core/delivery';
import { reportKeyFor } from '../../handlers/shared/report-key';
import type { BackendConnection } from '../backends/types';
import type { Random } from '../random';
import { WaitTimeoutError, waitFor } from '../wait';
import { Observer, withTimeHeld, type Alert, type DlqMessage, type LogEvent, type ProbeMessage, type ReportObject } from './observe';
import { s3Event, s3TestEvent, type ObjectFacts } from './s3-events';
import { account, conservationProblems, formatLedger, summarizeLedger, type Ledger, type LedgerWrite } from './conservation';
import { LedgerProbe } from './conservation-observe';
import { lintDeployment, type Finding, type LintOptions } from '../lint';
import { recordHops, type ScenarioHops } from './hops';

/** How many: exactly n, or a range. */
export type Count = number | { atLeast?: number; atMost?: number };
/** A deadline: milliseconds or a duration such as `2s`. */
export type Within = number | string;

export interface Upload {
  bucket: string;
  key: string;
  versionId: string | null;
  /** Without quotes. */
  etag: string;
  size: number;
  body: string;
}

/** The report the data processor writes for one object version (handlers/data-processor). */
export interface Report extends ReportObject {
  /** The source object's bucket and key. */
  bucket: string;
  key: string;
  versionId: string | null;
  size: number;
  etag: string;
  format: 'csv' | 'json';
  rows: number;
  columns?: string[];
  status: string;
}

export class ExpectationError extends Error {
  override name = 'ExpectationError';
}

interface ContextInit {
  name: string;
  seed: number;
  random: Random;
  backend: BackendConnection;
  clients: AwsClients;
  resources: Resources;
  /** The pipeline as built (its filters and wiring tell the conservation ledger where each write should end). */
  pipeline?: PipelineSpec;
  /** The backend is an emulator of this scenario's own (`emulatorFaults`): everything on its bus is the scenario's. */
  ownEmulator?: boolean;
  /** The scenario's trace hops (embedded backend), recorded since before its deploy. */
  hops?: ScenarioHops;
  log: (line: string) => void;
}

/**
 * What a scenario body gets (`s`): write objects and messages, then expect outcomes with deadlines.
 * Every expectation polls (no sleeps) and, when its deadline passes, fails with what did arrive:
 * reports, DLQ messages, probe deliveries and recent log lines.
 */
export class ScenarioContext {
  readonly name: string;
  readonly seed: number;
  /** Seeded randomness for contents and orderings (the same seed replays the same scenario). */
  readonly random: Random;
  readonly backend: BackendConnection;
  readonly clients: AwsClients;
  readonly resources: Resources;
  readonly observe: Observer;
  private readonly notes: string[] = [];
  private readonly uploads: Upload[] = [];
  /** Every write made through this API, in the order S3 answered, for the conservation ledger. */
  private readonly ledgerWrites: LedgerWrite[] = [];
  private readonly print: (line: string) => void;
  private readonly pipeline?: PipelineSpec;
  private readonly ownEmulator: boolean;
  /** Trace hops about this scenario's resources (embedded backend only). */
  private readonly recorded?: ScenarioHops;

  constructor(init: ContextInit) {
    this.name = init.name;
    this.seed = init.seed;
    this.random = init.random;
    this.backend = init.backend;
    this.clients = init.clients;
    this.resources = init.resources;
    this.print = init.log;
    this.observe = new Observer(init.clients, init.resources, init.backend);
    if (init.pipeline) this.pipeline = init.pipeline;
    this.ownEmulator = Boolean(init.ownEmulator);
    const bus = init.backend.emulator?.bus;
    // Normally the runner starts recording before the deploy; a context made by hand records from now on.
    this.recorded = init.hops ?? (bus ? recordHops(bus, this.ownEmulator ? undefined : { prefix: init.resources.prefix }) : undefined);
  }

  /** Stops recording the emulator's hops (the runner calls it when the scenario ends). */
  close(): void {
    this.recorded?.stop();
  }

  /** The source bucket's name. */
  get bucket(): string {
    return this.resources.sourceBucket;
  }

  /** A note kept with the scenario (printed when it fails). */
  log(message: string): void {
    this.notes.push(message);
    this.print(`  [${this.name}] ${message}`);
  }

  // ── writing ──────────────────────────────────────────────────────────────────────────────────────
  async upload(key: string, body: string | Buffer, opts: { bucket?: string; contentType?: string } = {}): Promise<Upload> {
    const bucket = opts.bucket ? this.observe.bucketName(opts.bucket) : this.bucket;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const out = await this.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: opts.contentType ?? contentTypeOf(key) }),
    );
    const upload: Upload = { bucket, key, versionId: out.VersionId ?? null, etag: unquote(out.ETag), size: bytes.length, body: bytes.toString('utf8') };
    this.uploads.push(upload);
    this.recordWrite({ op: 'put', bucket, key, versionId: upload.versionId, etag: upload.etag, eventName: 'ObjectCreated:Put', via: 'upload' });
    return upload;
  }

  /** Several objects; `concurrent` starts them all at once, in a seeded order when `shuffle` is on. */
  async uploadMany(items: { key: string; body: string }[], opts: { concurrent?: boolean; shuffle?: boolean } = {}): Promise<Upload[]> {
    const order = opts.shuffle ? this.random.shuffle(items) : items;
    if (!opts.concurrent) {
      const out: Upload[] = [];
      for (const item of order) out.push(await this.upload(item.key, item.body));
      return out;
    }
    return Promise.all(order.map((item) => this.upload(item.key, item.body)));
  }

  /**
   * Concurrent writes to one key: every body is PUT at once, started in a seeded order. Returns the
   * writes in start order; which one S3 kept last is `lastWrite()` (a HEAD), not the start order.
   */
  async writeConcurrently(key: string, bodies: string[]): Promise<Upload[]> {
    const order = this.random.shuffle(bodies.map((body, i) => ({ body, i })));
    this.log(`concurrent writes to ${key} in order ${order.map((o) => o.i).join(',')}`);
    return Promise.all(order.map((o) => this.upload(key, o.body)));
  }

  /** The object as S3 has it now (HEAD): which write won. */
  async head(key: string, opts: { bucket?: string; versionId?: string } = {}): Promise<{ etag: string; versionId: string | null; size: number }> {
    const bucket = opts.bucket ? this.observe.bucketName(opts.bucket) : this.bucket;
    const out = await this.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: opts.versionId }));
    return { etag: unquote(out.ETag), versionId: out.VersionId ?? null, size: out.ContentLength ?? 0 };
  }

  /** Every version of a key, newest first (ListObjectVersions). */
  async versions(key: string, opts: { bucket?: string } = {}): Promise<{ versionId: string; etag: string; isLatest: boolean }[]> {
    const bucket = opts.bucket ? this.observe.bucketName(opts.bucket) : this.bucket;
    const out = await this.clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    return (out.Versions ?? [])
      .filter((v) => v.Key === key)
      .map((v) => ({ versionId: v.VersionId ?? 'null', etag: unquote(v.ETag), isLatest: Boolean(v.IsLatest) }));
  }

  /** Multipart upload (CreateMultipartUpload, UploadPart…, CompleteMultipartUpload); every part but the last is ≥ 5 MiB, as S3 requires. */
  async uploadMultipart(key: string, body: string | Buffer, opts: { partSize?: number } = {}): Promise<Upload> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const partSize = Math.max(opts.partSize ?? 5 * 1024 * 1024, 5 * 1024 * 1024);
    const s3 = this.clients.s3;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentTypeOf(key) }));
    const parts: { ETag: string; PartNumber: number }[] = [];
    for (let offset = 0, n = 1; offset < bytes.length || n === 1; offset += partSize, n++) {
      const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + partSize));
      const out = await s3.send(new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId, PartNumber: n, Body: chunk }));
      parts.push({ ETag: out.ETag!, PartNumber: n });
      if (offset + partSize >= bytes.length) break;
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    const upload: Upload = { bucket: this.bucket, key, versionId: done.VersionId ?? null, etag: unquote(done.ETag), size: bytes.length, body: '' };
    this.log(`multipart upload of ${key}: ${parts.length} parts, ${bytes.length} bytes`);
    this.uploads.push(upload);
    this.recordWrite({ op: 'put', bucket: this.bucket, key, versionId: upload.versionId, etag: upload.etag, eventName: 'ObjectCreated:CompleteMultipartUpload', via: 'multipart' });
    return upload;
  }

  async delete(key: string, opts: { versionId?: string; bucket?: string } = {}): Promise<{ deleteMarker: boolean; versionId: string | null }> {
    const bucket = opts.bucket ? this.observe.bucketName(opts.bucket) : this.bucket;
    const out = await this.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: opts.versionId }));
    const versioned = Object.values(this.resources.buckets).some((b) => b.name === bucket && b.versioning);
    // Deleting a key of a versioned bucket adds a delete marker; naming a version (or no versioning) removes it.
    const marker = versioned && !opts.versionId;
    this.recordWrite({
      op: 'delete',
      bucket,
      key,
      versionId: (marker ? out.VersionId : opts.versionId) ?? null,
      eventName: marker ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete',
      via: 'delete',
    });
    return { deleteMarker: Boolean(out.DeleteMarker), versionId: out.VersionId ?? null };
  }

  private recordWrite(w: Omit<LedgerWrite, 'seq'>): void {
    this.ledgerWrites.push({ ...w, seq: this.ledgerWrites.length + 1 });
  }

  /** Every write made through this API so far (upload, uploadMany, writeConcurrently, uploadMultipart, delete), in the order S3 answered. */
  writes(): readonly LedgerWrite[] {
    return this.ledgerWrites;
  }

  /**
   * Runs `fn` with the emulator's virtual clock held, so everything it writes happens at one emulated
   * instant: no timer fires in between (a delayed or coalesced notification cannot slip between two
   * writes). On a backend without virtual time it just runs `fn`, in real time.
   */
  async atOnce<T>(fn: () => Promise<T>): Promise<T> {
    return withTimeHeld(this.backend, fn);
  }

  /**
   * The embedded emulator's trace hops about this scenario (`s3.write`, `sqs.send`, `fault.duplicate`…, see
   * emulator/core/delivery.ts), oldest first, optionally only those of some types. Throws on other backends.
   */
  hops(...types: string[]): Hop[] {
    if (!this.recorded) throw new Error(`hops() needs the embedded emulator in this process; ${this.backend.description} has none`);
    const hops = this.recorded.hops;
    return types.length ? hops.filter((h) => types.includes(h.type)) : [...hops];
  }

  /** Sends a message to one of the pipeline's queues by hand (an object is sent as JSON). FIFO queues get group `g1` unless told. */
  async sendToQueue(
    queueId: string,
    body: string | object,
    opts: { groupId?: string; deduplicationId?: string; attributes?: Record<string, string> } = {},
  ): Promise<string> {
    const q = this.resources.queues[queueId];
    if (!q) throw new Error(`no queue "${queueId}" in this pipeline (have: ${Object.keys(this.resources.queues).join(', ')})`);
    const fifo = q.name.endsWith('.fifo');
    const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
      Object.entries(opts.attributes ?? {}).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    );
    const out = await this.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        ...(fifo ? { MessageGroupId: opts.groupId ?? 'g1' } : {}),
        ...(opts.deduplicationId ? { MessageDeduplicationId: opts.deduplicationId } : {}),
        ...(Object.keys(attributes).length ? { MessageAttributes: attributes } : {}),
      }),
    );
    return out.MessageId!;
  }

  /** Several messages in one SendMessageBatch call (at most 10), so they are available together. */
  async sendBatchToQueue(queueId: string, bodies: (string | object)[], opts: { groupId?: string } = {}): Promise<string[]> {
    const q = this.resources.queues[queueId];
    if (!q) throw new Error(`no queue "${queueId}" in this pipeline (have: ${Object.keys(this.resources.queues).join(', ')})`);
    const fifo = q.name.endsWith('.fifo');
    const out = await this.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: bodies.map((body, i) => ({
          Id: `m${i}`,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
          ...(fifo ? { MessageGroupId: opts.groupId ?? 'g1' } : {}),
        })),
      }),
    );
    if (out.Failed?.length) throw new Error(`SendMessageBatch failed for ${out.Failed.map((f) => `${f.Id}: ${f.Code} ${f.Message}`).join('; ')}`);
    const ids = new Map((out.Successful ?? []).map((x) => [x.Id, x.MessageId!]));
    return bodies.map((_, i) => ids.get(`m${i}`)!);
  }

  /** An S3 event (as S3 would send it) for objects of this pipeline: an Upload, or facts about an object. */
  s3Event(...objects: (Upload | (Partial<ObjectFacts> & { key: string }))[]) {
    return s3Event(
      ...objects.map((o) => ({
        region: this.resources.region,
        ...o,
        bucket: o.bucket ?? this.bucket,
        ...('etag' in o && o.etag ? { etag: o.etag } : {}),
      })),
    );
  }

  s3TestEvent() {
    return s3TestEvent(this.bucket);
  }

  // ── reading now ──────────────────────────────────────────────────────────────────────────────────
  /** The report key for an object version (handlers/shared/report-key.ts). */
  reportKey(key: string, versionId?: string | null): string {
    return reportKeyFor(key, versionId);
  }

  async reports(bucketId = 'data'): Promise<Report[]> {
    return [...(await this.observe.reports(bucketId)).values()] as Report[];
  }

  async invocations(functionId = 'processor'): Promise<number> {
    return this.observe.invocations(functionId);
  }

  async logs(functionId = 'processor'): Promise<LogEvent[]> {
    return this.observe.logEvents(functionId);
  }

  /** The function's structured log entries (one JSON object per line), e.g. `{msg: 'processed', object: 's3://…'}`. */
  async logEntries(functionId = 'processor'): Promise<Record<string, any>[]> {
    return this.observe.logEntries(functionId);
  }

  /** How often a function logged `msg` for this key (any version). */
  async countLogged(functionId: string, msg: string, key: string): Promise<number> {
    return (await this.logEntries(functionId)).filter((e) => e.msg === msg && objectKeyOf(e.object) === key).length;
  }

  async alerts(): Promise<Alert[]> {
    return this.observe.alerts();
  }

  async deliveries(topicId: string): Promise<ProbeMessage[]> {
    return this.observe.deliveries(topicId);
  }

  async dlqMessages(queueId?: string): Promise<DlqMessage[]> {
    return this.observe.dlqMessages(queueId);
  }

  // ── expectations ─────────────────────────────────────────────────────────────────────────────────
  /**
   * Waits for the report of `target` (a key — its latest upload in this scenario — or an Upload) and
   * for `check` to pass on it (`check` may use expect(); it is retried until the deadline).
   */
  async expectReport(
    target: string | Upload,
    check?: (report: Report) => void | Promise<void>,
    opts: { versionId?: string | null; bucket?: string; within?: Within } = {},
  ): Promise<Report> {
    const key = typeof target === 'string' ? target : target.key;
    const versionId = opts.versionId !== undefined ? opts.versionId : await this.versionFor(target);
    const reportKey = reportKeyFor(key, versionId);
    return this.until(`report ${reportKey}${opts.bucket ? ` in ${opts.bucket}` : ''}`, opts.within, async () => {
      const report = (await this.observe.reports(opts.bucket)).get(reportKey) as Report | undefined;
      if (!report) return undefined;
      await check?.(report);
      return report;
    });
  }

  /** Waits until the number of reports (optionally for keys under `keyPrefix`) matches. */
  async expectReportCount(count: Count, opts: { bucket?: string; keyPrefix?: string; within?: Within } = {}): Promise<Report[]> {
    return this.expectCount(`reports${opts.keyPrefix ? ` for ${opts.keyPrefix}*` : ''}`, count, opts.within, async () =>
      (await this.reports(opts.bucket)).filter((r) => !opts.keyPrefix || String(r.key).startsWith(opts.keyPrefix)),
    );
  }

  /** Alerts on the alert topic (through its probe queue), optionally only those matching. */
  async expectAlerts(count: Count, opts: { match?: (a: Alert) => boolean; within?: Within } = {}): Promise<Alert[]> {
    return this.expectCount('alerts', count, opts.within, async () => (await this.alerts()).filter((a) => !opts.match || opts.match(a)));
  }

  /** SNS deliveries to a topic, seen by its probe queue. */
  async expectDeliveries(topicId: string, count: Count, opts: { match?: (m: ProbeMessage) => boolean; within?: Within } = {}): Promise<ProbeMessage[]> {
    return this.expectCount(`deliveries on topic ${topicId}`, count, opts.within, async () =>
      (await this.deliveries(topicId)).filter((m) => !opts.match || opts.match(m)),
    );
  }

  /** Messages that reached a DLQ (default: any DLQ of the pipeline). */
  async expectDlq(count: Count, opts: { queue?: string; match?: (m: DlqMessage) => boolean; within?: Within } = {}): Promise<DlqMessage[]> {
    return this.expectCount(`DLQ messages${opts.queue ? ` in ${opts.queue}` : ''}`, count, opts.within, async () =>
      (await this.dlqMessages(opts.queue)).filter((m) => !opts.match || opts.match(m)),
    );
  }

  /** Invocations of a function (START lines in its log group). */
  async expectInvocations(functionId: string, count: Count, opts: { within?: Within } = {}): Promise<number> {
    const lines = await this.expectCount(`invocations of ${functionId}`, count, opts.within, async () =>
      (await this.logs(functionId)).filter((e) => e.message.startsWith('START RequestId:')),
    );
    return lines.length;
  }

  /**
   * Log lines of a function: a string (contained), a RegExp, or a predicate on the handler's JSON entries.
   * e.g. `s.expectLogs('processor', (e) => e.msg === 'ignored event', 1)`.
   */
  async expectLogs(
    functionId: string,
    match: string | RegExp | ((entry: Record<string, any>) => boolean),
    count: Count,
    opts: { within?: Within } = {},
  ): Promise<(LogEvent | Record<string, any>)[]> {
    const what = `log lines of ${functionId} matching ${typeof match === 'function' ? 'the predicate' : String(match)}`;
    return this.expectCount(what, count, opts.within, async () => {
      if (typeof match === 'function') return (await this.logEntries(functionId)).filter(match);
      return (await this.logs(functionId)).filter((e) => (typeof match === 'string' ? e.message.includes(match) : match.test(e.message)));
    });
  }

  /**
   * The conservation ledger (see conservation.ts): every write made through this API with its outcome per
   * report-making function — processed, dead-lettered, filtered, coalesced, or still in flight — and the
   * duplicated side effects. Waits (deadline `within`) until no write is in flight and the pipeline is quiet
   * (its queues empty; on an emulator of the scenario's own, no delivery pending), then accounts once more,
   * so a late duplicate is counted. Does not fail: what is still in flight at the deadline is returned as such.
   */
  async ledger(opts: { within?: Within } = {}): Promise<Ledger> {
    const probe = this.ledgerProbe();
    const writes = [...this.ledgerWrites];
    const current = await probe.current(writes);
    const deadline = Date.now() + toMs(opts.within ?? this.backend.timing.withinMs);
    const intervalMs = Math.max(this.backend.timing.pollMs, 100);
    const left = () => Math.max(0, deadline - Date.now());
    let ledger = account(await probe.input(writes, current));
    if (ledger.inFlight.length) {
      try {
        ledger = await waitFor(
          async () => {
            const l = account(await probe.input(writes, current));
            ledger = l;
            return l.inFlight.length === 0 ? l : undefined;
          },
          { timeoutMs: left(), intervalMs, what: 'every write to reach an outcome' },
        );
      } catch (e) {
        if (!(e instanceof WaitTimeoutError)) throw e;
        return ledger;
      }
    }
    if (!(await this.untilQuiet(probe, Math.max(left(), 2 * intervalMs), intervalMs))) {
      this.log('conservation: the pipeline did not go quiet before the deadline; accounting anyway');
    }
    return account(await probe.input(writes, current));
  }

  /**
   * Waits (bounded, never failing) until what deploy set off has run its course — S3's test events, sent when
   * the notification configuration is written, travel the queues to the functions. The runner calls it before a
   * scenario's body, so its first upload never races them: with the same seed, a run takes the same course.
   */
  async settle(): Promise<boolean> {
    const intervalMs = Math.max(this.backend.timing.pollMs, 20);
    return this.untilQuiet(this.ledgerProbe(), toMs(this.backend.timing.withinMs), intervalMs);
  }

  /** Quiet twice in a row: a message between two queues (or a delivery between two polls) is not quiet. */
  private async untilQuiet(probe: LedgerProbe, timeoutMs: number, intervalMs: number): Promise<boolean> {
    let quietLooks = 0;
    try {
      await waitFor(async () => ((quietLooks = (await probe.quiet()) ? quietLooks + 1 : 0) >= 2 ? true : undefined), {
        timeoutMs,
        intervalMs,
        what: 'the pipeline to go quiet',
      });
      return true;
    } catch (e) {
      if (!(e instanceof WaitTimeoutError)) throw e;
      return false;
    }
  }

  /**
   * The deployment lint (harness/lint) on this scenario's own pipeline: what AWS would refuse or what invites
   * delivery bugs, e.g. `expect(await s.lint()).toEqual([])` to keep a pipeline clean.
   */
  async lint(opts: Pick<LintOptions, 'writes' | 'expectsBareS3Events'> = {}): Promise<Finding[]> {
    return lintDeployment(this.clients, { ...opts, buckets: Object.values(this.resources.buckets).map((b) => b.name), prefix: this.resources.prefix });
  }

  /**
   * Every write is accounted for (no lost event) and no version has duplicated side effects; fails listing
   * what is missing or duplicated, with the whole ledger. Returns the ledger, e.g. to check coalesced writes.
   */
  async expectConservation(opts: { within?: Within } = {}): Promise<Ledger> {
    const ledger = await this.ledger(opts);
    const problems = conservationProblems(ledger);
    if (problems) throw new ExpectationError(`conservation failed:\n${problems}\n${await this.describeState()}`);
    this.log(`conservation: ${summarizeLedger(ledger)}`);
    return ledger;
  }

  /** The ledger in words (what `expectConservation` prints when it fails). */
  formatLedger(ledger: Ledger): string {
    return formatLedger(ledger);
  }

  private ledgerProbe(): LedgerProbe {
    if (!this.pipeline) throw new Error('conservation needs the pipeline spec (the scenario runner passes it)');
    const bus = this.ownEmulator ? this.backend.emulator?.bus : undefined;
    return new LedgerProbe(this.clients, this.observe, this.resources, this.pipeline, () => this.recorded?.hops, bus);
  }

  /**
   * Nothing new happens within the window (default 2s): no report, no DLQ message or alert, no probe
   * delivery, nothing processed. This one legitimately waits the window out: it is a wait that must time out.
   */
  async expectNothing(opts: { within?: Within; ignore?: ('reports' | 'dlq' | 'alerts' | 'deliveries' | 'processed')[] } = {}): Promise<void> {
    const windowMs = toMs(opts.within ?? '2s');
    const ignore = new Set(opts.ignore ?? []);
    const before = await this.snapshot();
    let probeError: unknown;
    try {
      const news = await waitFor(
        async () => {
          try {
            const diff = diffSnapshots(before, await this.snapshot(), ignore);
            probeError = undefined;
            return diff.length ? diff : undefined;
          } catch (e) {
            probeError = e;
            return undefined;
          }
        },
        { timeoutMs: windowMs, intervalMs: Math.max(this.backend.timing.pollMs, 100), what: 'anything to happen' },
      );
      throw new ExpectationError(`expected nothing to happen within ${windowMs} ms, but:\n  ${news.join('\n  ')}\n${await this.describeState()}`);
    } catch (e) {
      if (!(e instanceof WaitTimeoutError)) throw e;
      if (probeError) throw probeError; // could not look: that is not "nothing happened"
    }
  }

  /** Polls `probe` until it returns a value; on the deadline, fails with the last error and what did arrive. */
  async until<T>(what: string, within: Within | undefined, probe: () => Promise<T | undefined | false>): Promise<T> {
    const timeoutMs = toMs(within ?? this.backend.timing.withinMs);
    try {
      return await waitFor(probe, { timeoutMs, intervalMs: this.backend.timing.pollMs, what, describe: () => this.describeState() });
    } catch (e) {
      if (e instanceof WaitTimeoutError) throw new ExpectationError(e.message);
      throw e;
    }
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────
  private async expectCount<T>(what: string, count: Count, within: Within | undefined, list: () => Promise<T[]>): Promise<T[]> {
    const { atLeast, atMost } = typeof count === 'number' ? { atLeast: count, atMost: count } : { atLeast: count.atLeast ?? 0, atMost: count.atMost };
    const wanted = typeof count === 'number' ? `${count}` : `${atLeast}..${atMost ?? '∞'}`;
    let last: T[] = [];
    const items = await this.until(`${wanted} ${what}`, within, async () => {
      last = await list();
      return last.length >= atLeast ? last : undefined;
    });
    if (atMost !== undefined && items.length > atMost) {
      throw new ExpectationError(
        `expected ${wanted} ${what}, got ${items.length}:\n  ${items.map((i) => short(i)).join('\n  ')}\n${await this.describeState()}`,
      );
    }
    return items;
  }

  private async versionFor(target: string | Upload): Promise<string | null> {
    if (typeof target !== 'string') return target.versionId;
    const latest = [...this.uploads].reverse().find((u) => u.key === target && u.bucket === this.bucket);
    if (latest) return latest.versionId;
    if (!this.resources.buckets.data?.versioning) return null;
    try {
      return (await this.head(target)).versionId;
    } catch {
      return null;
    }
  }

  private async snapshot(): Promise<Snapshot> {
    const reports = new Set<string>();
    for (const id of this.reportBuckets()) for (const [key, r] of await this.observe.reports(id)) reports.add(`${id}:${key}@${r.reportEtag}`);
    const deliveries = new Set<string>();
    for (const topic of Object.keys(this.resources.probes)) for (const m of await this.observe.deliveries(topic)) deliveries.add(`${topic}:${m.messageId}`);
    const dlq = new Set((await this.observe.dlqMessages()).map((m) => `${m.queue}:${m.messageId}`));
    const processed = new Set<string>();
    for (const fn of this.processorIds()) {
      // Labelled by content and occurrence, so the set does not depend on where lines sort.
      const seen = new Map<string, number>();
      for (const e of await this.observe.logEntries(fn)) {
        if (e.msg !== 'processed' && e.level !== 'error') continue;
        const label = `${fn}: ${e.msg ?? e.error} ${e.object ?? e.messageId ?? ''}`;
        const n = (seen.get(label) ?? 0) + 1;
        seen.set(label, n);
        processed.add(`${label} (#${n})`);
      }
    }
    return { reports, deliveries, dlq, processed };
  }

  private reportBuckets(): string[] {
    return Object.keys(this.resources.buckets);
  }

  private processorIds(): string[] {
    return Object.keys(this.resources.functions).filter((id) => id !== 'error-handler');
  }

  /** What did arrive, for failure messages. */
  async describeState(): Promise<string> {
    const lines: string[] = [`── what did arrive (scenario "${this.name}", prefix ${this.resources.prefix}, seed ${this.seed}, ${this.backend.description}) ──`];
    const safe = async (label: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (e) {
        lines.push(`${label}: could not read (${(e as Error).message})`);
      }
    };
    for (const id of this.reportBuckets()) {
      await safe(`reports in ${id}`, async () => {
        const reports = [...(await this.observe.reports(id)).values()];
        lines.push(`reports in ${id} (${reports.length}):${reports.length ? '' : ' none'}`);
        for (const r of reports.slice(-10)) lines.push(`  ${r.reportKey}: ${short({ rows: r.rows, format: r.format, versionId: r.versionId, etag: r.etag, status: r.status })}`);
      });
    }
    for (const id of this.observe.dlqIds()) {
      await safe(`DLQ ${id}`, async () => {
        const messages = await this.observe.dlqMessages(id);
        const how = this.observe.consumedByErrorHandler(id) ? 'known from alerts' : 'read in place';
        lines.push(`DLQ ${id} (${await this.observe.queueDepth(id)}; ${messages.length} ${how})`);
        for (const m of messages.slice(-5)) lines.push(`  ${m.messageId}: ${short(m.alert ?? m.body)}`);
      });
    }
    for (const topic of Object.keys(this.resources.probes)) {
      await safe(`probe ${topic}`, async () => {
        const messages = await this.observe.deliveries(topic);
        lines.push(`deliveries on topic ${topic} (${messages.length}):${messages.length ? '' : ' none'}`);
        for (const m of messages.slice(-5)) lines.push(`  ${m.subject ? `[${m.subject}] ` : ''}${short(m.json ?? m.message)}`);
      });
    }
    for (const id of Object.keys(this.resources.functions)) {
      await safe(`logs ${id}`, async () => {
        const events = await this.observe.logEvents(id);
        const starts = events.filter((e) => e.message.startsWith('START RequestId:')).length;
        lines.push(`logs of ${id} (${starts} invocations, last ${Math.min(events.length, 12)} of ${events.length} lines):`);
        for (const e of events.slice(-12)) lines.push(`  ${e.message.length > 240 ? `${e.message.slice(0, 240)}…` : e.message}`);
      });
    }
    if (this.notes.length) lines.push('notes:', ...this.notes.map((n) => `  ${n}`));
    return lines.join('\n');
  }
}

interface Snapshot {
  reports: Set<string>;
  deliveries: Set<string>;
  dlq: Set<string>;
  processed: Set<string>;
}

function diffSnapshots(a: Snapshot, b: Snapshot, ignore: Set<string>): string[] {
  const out: string[] = [];
  const added = (label: string, x: Set<string>, y: Set<string>) => {
    for (const v of y) if (!x.has(v)) out.push(`${label} ${v}`);
  };
  if (!ignore.has('reports')) added('new report', a.reports, b.reports);
  if (!ignore.has('deliveries') && !ignore.has('alerts')) added('new delivery', a.deliveries, b.deliveries);
  if (!ignore.has('dlq')) added('new DLQ message', a.dlq, b.dlq);
  if (!ignore.has('processed')) added('function activity', a.processed, b.processed);
  return out;
}

/** `s3://bucket/key?versionId=…` (the processor's log field) → key. */
export function objectKeyOf(object: unknown): string | undefined {
  if (typeof object !== 'string') return undefined;
  const m = /^s3:\/\/[^/]+\/(.*?)(\?versionId=.*)?$/.exec(object);
  return m?.[1];
}

export function toMs(w: Within): number {
  return typeof w === 'number' ? w : parseDuration(w);
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

function contentTypeOf(key: string): string {
  if (key.endsWith('.csv')) return 'text/csv';
  if (key.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

function short(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
