/**
 * The well-typed fuzzer: for every operation every service implements, inputs of the right types but
 * adversarial values (well-typed-inputs.ts), sent through the official client (one attempt, a short timeout).
 * It records what the emulator must never do: answer 5xx (other than 501 NotImplemented), not answer in time,
 * drop the connection, or answer something its own client cannot read. Findings are grouped by root cause
 * (the emulator frame an InternalError's logged cause points at, else the operation and message).
 */
import fc from 'fast-check';
import * as s3 from '@aws-sdk/client-s3';
import * as sqs from '@aws-sdk/client-sqs';
import * as sns from '@aws-sdk/client-sns';
import * as lambda from '@aws-sdk/client-lambda';
import * as events from '@aws-sdk/client-eventbridge';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as logs from '@aws-sdk/client-cloudwatch-logs';
import * as iam from '@aws-sdk/client-iam';
import * as sts from '@aws-sdk/client-sts';
import * as secrets from '@aws-sdk/client-secrets-manager';
import * as ssm from '@aws-sdk/client-ssm';
import * as scheduler from '@aws-sdk/client-scheduler';
import * as pipes from '@aws-sdk/client-pipes';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RunningEmulator } from '../../emulator';
import { loadServiceModel, requiredMembers } from '../../emulator/protocols/model';
import { clientConfig, type SeededResources } from './well-typed-setup';
import { enumIndex, operationInputs, type InputContext } from './well-typed-inputs';

type Sdk = Record<string, any>;
interface FuzzedService {
  /** The emulator's name for it (emu.providers key). */
  name: string;
  sdk: Sdk;
  client: string;
  extra?: Record<string, unknown>;
}

const WELL_TYPED_SERVICES: FuzzedService[] = [
  { name: 's3', sdk: s3, client: 'S3Client', extra: { forcePathStyle: true } },
  { name: 'sqs', sdk: sqs, client: 'SQSClient', extra: { useQueueUrlAsEndpoint: false } },
  { name: 'sns', sdk: sns, client: 'SNSClient' },
  { name: 'lambda', sdk: lambda, client: 'LambdaClient' },
  { name: 'events', sdk: events, client: 'EventBridgeClient' },
  { name: 'monitoring', sdk: cw, client: 'CloudWatchClient' },
  { name: 'logs', sdk: logs, client: 'CloudWatchLogsClient' },
  { name: 'iam', sdk: iam, client: 'IAMClient' },
  { name: 'sts', sdk: sts, client: 'STSClient' },
  { name: 'secretsmanager', sdk: secrets, client: 'SecretsManagerClient' },
  { name: 'ssm', sdk: ssm, client: 'SSMClient' },
  { name: 'scheduler', sdk: scheduler, client: 'SchedulerClient' },
  { name: 'pipes', sdk: pipes, client: 'PipesClient' },
];

/** REST protocols route by what is present: without a required member a request may be another operation. */
const REST_SERVICES = new Set(['s3', 'lambda', 'scheduler', 'pipes']);

/** Operations whose answer is a stream that stays open by design (a live tail lasts up to three hours). */
const LONG_LIVED_STREAMS = new Set(['StartLiveTail']);

export type FindingKind = '5xx' | 'hang' | 'connection' | 'malformed' | 'stream';
export interface Finding {
  service: string;
  operation: string;
  kind: FindingKind;
  status?: number;
  message: string;
  /** The InternalError's cause as the emulator logged it. */
  cause?: string;
  /** Where in emulator/ the cause was thrown (first emulator frame of its stack). */
  frame?: string;
  input: Record<string, unknown>;
}

export interface ServiceStats {
  operations: number;
  notImplemented: number;
  cases: number;
  ok: number;
  clientErrors: number;
  rejectedBeforeSending: number;
  findings: number;
  /** Unreadable answers to inputs missing a required member (not counted as findings). */
  misrouted: number;
  /** Error codes of the 4xx answers, by operation (to see which validation stops most inputs). */
  errorCodes: Record<string, number>;
}

export interface WellTypedOptions {
  casesPerOperation: number;
  seed: number;
  requestTimeoutMs: number;
  /** Restrict to these services (emulator names). */
  services?: string[];
  /** Restrict to these operations. */
  operations?: string[];
  /** Shrink each new root cause's input by dropping members (replays requests). */
  minimize?: boolean;
  onProgress?: (line: string) => void;
  /** Called before each request is sent (the watchdog's record of what was being sent when the loop blocked). */
  onCase?: (service: string, operation: string, input: Record<string, unknown>) => void;
}

/** The emulator's log, as received by startEmulator's `log` option; the fuzzer reads what each case added. */
export class CauseLog {
  readonly lines: string[] = [];
  readonly sink = (message: string): void => void this.lines.push(message);
}

/** Records whether a request reached the wire and what status came back (the SDK's errors do not always say). */
class RecordingHandler {
  sent = false;
  status: number | undefined;
  constructor(private readonly inner: NodeHttpHandler) {}
  get metadata() {
    return this.inner.metadata;
  }
  reset() {
    this.sent = false;
    this.status = undefined;
  }
  async handle(request: any, options?: any) {
    this.sent = true;
    const out = await this.inner.handle(request, options);
    this.status = out.response.statusCode;
    return out;
  }
  updateHttpClientConfig(key: any, value: any) {
    this.inner.updateHttpClientConfig(key, value);
  }
  httpHandlerConfigs() {
    return this.inner.httpHandlerConfigs();
  }
  destroy() {
    this.inner.destroy();
  }
}

const hash = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 0);

/** First frame of a stack inside emulator/, as `emulator/x/y.ts:12`. */
function emulatorFrame(stack: string | undefined): string | undefined {
  const m = stack?.match(/(emulator\/[^\s():]+\.ts):(\d+)/);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

/** The log line of the operation's own failure among those a case added, else the first. */
const causeOf = (causes: string[], service: FuzzedService, operation: string): string | undefined =>
  causes.find((c) => c.includes(`${service.name}.${operation} failed`)) ?? causes[0];

async function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T | 'deadline'> {
  // AbortSignal.timeout's timer is unref'd: a deadline that never fires keeps nothing alive.
  const signal = AbortSignal.timeout(ms);
  const deadline = new Promise<'deadline'>((resolve) => signal.addEventListener('abort', () => resolve('deadline'), { once: true }));
  const r = await Promise.race([p, deadline]);
  if (r === 'deadline') onTimeout();
  return r;
}

/** Reads whatever streams an output carries (object bodies, event streams) to their end, within the deadline. */
async function drainStreams(output: Record<string, unknown>, ms: number): Promise<'ok' | 'deadline'> {
  for (const value of Object.values(output)) {
    if (!value || typeof value !== 'object' || !(Symbol.asyncIterator in value)) continue;
    const iterator = (value as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    const drained = (async () => {
      for (;;) if ((await iterator.next()).done) return 'ok' as const;
    })();
    const r = await withDeadline(drained, ms, () => {
      void iterator.return?.();
      (value as { destroy?: () => void }).destroy?.();
    });
    if (r === 'deadline') return 'deadline';
  }
  return 'ok';
}

/**
 * The SQS client's MD5 check looks batch entries up by Id in a plain object, so a failed entry whose Id is an
 * Object.prototype member ("hasOwnProperty") is taken for a successful one and reported with no message id:
 * the client's fault, not the answer's.
 */
function sdkEntryIdArtifact(err: unknown, input: Record<string, unknown>): boolean {
  if (!/^Invalid MD5 checksum on messages: $/.test(String((err as Error)?.message))) return false;
  const entries = Array.isArray(input.Entries) ? (input.Entries as { Id?: unknown }[]) : [];
  return entries.some((e) => typeof e?.Id === 'string' && e.Id in Object.prototype);
}

interface Outcome {
  result: 'ok' | 'client-error' | 'not-sent' | 'not-implemented';
  code?: string;
  finding?: Omit<Finding, 'service' | 'operation' | 'input'>;
}

export class WellTypedFuzzer {
  readonly findings: Finding[] = [];
  /** Operations that answered 2xx to an input without one of its required members (one example each). */
  readonly lenient: { service: string; operation: string; missing: string[]; input: Record<string, unknown> }[] = [];
  readonly stats: Record<string, ServiceStats> = {};
  private readonly clients = new Map<string, { client: any; handler: RecordingHandler }>();

  constructor(
    private readonly emu: RunningEmulator,
    private readonly log: CauseLog,
    private readonly resources: SeededResources,
    private readonly opts: WellTypedOptions,
  ) {}

  private clientFor(service: FuzzedService) {
    let entry = this.clients.get(service.name);
    if (!entry) {
      const handler = new RecordingHandler(new NodeHttpHandler({ requestTimeout: this.opts.requestTimeoutMs, connectionTimeout: 2000, throwOnRequestTimeout: true } as any));
      const Client = service.sdk[service.client];
      const client = new Client({ ...clientConfig(this.emu), ...service.extra, requestHandler: handler, disableHostPrefix: true });
      entry = { client, handler };
      this.clients.set(service.name, entry);
    }
    return entry;
  }

  destroy(): void {
    for (const { client } of this.clients.values()) client.destroy();
  }

  /** Sends one input and classifies what came back. */
  async send(service: FuzzedService, operation: string, input: Record<string, unknown>): Promise<Outcome & { causes: string[] }> {
    const { client, handler } = this.clientFor(service);
    const Command = service.sdk[`${operation}Command`];
    const logStart = this.log.lines.length;
    handler.reset();
    this.opts.onCase?.(service.name, operation, input);
    const abort = new AbortController();
    const outer = this.opts.requestTimeoutMs + 2000;
    let outcome: Outcome;
    try {
      const r = await withDeadline(client.send(new Command(input), { abortSignal: abort.signal }), outer, () => abort.abort());
      if (r === 'deadline') outcome = { result: 'ok', finding: { kind: 'hang', message: `no answer within ${outer} ms` } };
      else if ((await drainStreams(r as Record<string, unknown>, this.opts.requestTimeoutMs)) === 'deadline' && !LONG_LIVED_STREAMS.has(operation)) {
        outcome = { result: 'ok', finding: { kind: 'stream', message: `the answer's stream did not end within ${this.opts.requestTimeoutMs} ms` } };
      } else outcome = { result: 'ok' };
    } catch (e) {
      outcome = sdkEntryIdArtifact(e, input) ? { result: 'client-error', code: 'FailedEntryNamedLikeAPrototypeMember' } : this.classify(e as any, handler);
    }
    const causes = this.log.lines.slice(logStart);
    return { ...outcome, causes };
  }

  private classify(err: any, handler: RecordingHandler): Outcome {
    const message = `${err?.name ?? 'Error'}: ${String(err?.message ?? err).split('\n')[0]}`.slice(0, 400);
    const status: number | undefined = err?.$metadata?.httpStatusCode ?? err?.$response?.statusCode ?? handler.status;
    // Node refuses a header value with control characters before anything is written.
    if (!handler.sent || /ERR_INVALID_CHAR|ERR_HTTP_INVALID_HEADER_VALUE|Invalid character in header/.test(`${err?.code} ${err?.message}`)) return { result: 'not-sent' };
    if (err?.name === 'TimeoutError' || (handler.status === undefined && /timed? ?out|aborted/i.test(String(err?.message)))) return { result: 'ok', finding: { kind: 'hang', message } };
    if (handler.status === undefined) {
      return { result: 'ok', finding: { kind: 'connection', message } };
    }
    if (/Deserialization error/.test(String(err?.message)) || !err?.$fault) return { result: 'ok', finding: { kind: 'malformed', status, message } };
    if (status === 501) return { result: 'not-implemented' };
    if (status !== undefined && status >= 500) return { result: 'ok', finding: { kind: '5xx', status, message } };
    return { result: 'client-error', code: `${err?.name}` };
  }

  /** Fuzzes every implemented operation of one service. */
  async fuzzService(service: FuzzedService): Promise<ServiceStats> {
    const model = loadServiceModel(service.sdk);
    const provider = this.emu.providers[service.name] ?? {};
    const stats: ServiceStats = { operations: 0, notImplemented: 0, cases: 0, ok: 0, clientErrors: 0, rejectedBeforeSending: 0, findings: 0, misrouted: 0, errorCodes: {} };
    this.stats[service.name] = stats;
    const ctx: InputContext = { enums: enumIndex(service.sdk), resources: this.resources };
    // Deletions last, so that the seeded resources the other operations name are still there for them.
    const order = (name: string) => `${/^(Delete|Purge)/.test(name) ? 1 : 0}${name}`;
    const ops = [...model.operations.values()].filter((op) => !this.opts.operations || this.opts.operations.includes(op.name)).sort((a, b) => order(a.name).localeCompare(order(b.name)));
    for (const op of ops) {
      if (typeof provider[op.name] !== 'function' || !service.sdk[`${op.name}Command`]) {
        stats.notImplemented++;
        continue;
      }
      stats.operations++;
      const required = requiredMembers(op.input);
      const inputs = fc.sample(operationInputs(op.input, ctx), { seed: this.opts.seed ^ hash(`${service.name}.${op.name}`), numRuns: this.opts.casesPerOperation });
      for (const input of inputs) {
        stats.cases++;
        const out = await this.send(service, op.name, input);
        if (out.result === 'client-error') {
          stats.clientErrors++;
          const code = `${op.name} ${out.code}`;
          stats.errorCodes[code] = (stats.errorCodes[code] ?? 0) + 1;
        }
        else if (out.result === 'not-sent') stats.rejectedBeforeSending++;
        else stats.ok++;
        // Without a required member a REST request can name another operation (UploadPartCopy without
        // uploadId is a PutObject), whose answer the client then cannot read: the input's fault, not the emulator's.
        const missesRequired = [...required].some((m) => input[m] === undefined);
        if (out.finding?.kind === 'malformed' && missesRequired) stats.misrouted++;
        else if (!out.finding && out.result === 'ok' && missesRequired && !REST_SERVICES.has(service.name)) {
          // Not a failure of the property, but often the root cause of one: what was stored without its name
          // breaks every later listing (CreateEventBus without Name, then ListEventBuses with a prefix).
          const missing = [...required].filter((m) => input[m] === undefined);
          if (!this.lenient.some((l) => l.service === service.name && l.operation === op.name)) this.lenient.push({ service: service.name, operation: op.name, missing, input });
        }
        else if (out.finding) {
          stats.findings++;
          const cause = causeOf(out.causes, service, op.name);
          const finding: Finding = { service: service.name, operation: op.name, ...out.finding, cause, frame: emulatorFrame(cause), input };
          const isNew = !this.findings.some((f) => rootCause(f) === rootCause(finding));
          if (this.opts.minimize && isNew) finding.input = await this.minimize(service, finding);
          this.findings.push(finding);
          if (isNew) this.opts.onProgress?.(`  ${service.name}.${op.name}: ${finding.kind} ${finding.status ?? ''} ${finding.message.slice(0, 120)} ${finding.frame ?? ''}`);
        }
      }
    }
    return stats;
  }

  /** Drops members one at a time (top level, then one level down) while the same root cause still shows. */
  private async minimize(service: FuzzedService, finding: Finding): Promise<Record<string, unknown>> {
    const key = rootCause(finding);
    const same = async (input: Record<string, unknown>) => {
      const out = await this.send(service, finding.operation, input);
      if (!out.finding) return false;
      const cause = causeOf(out.causes, service, finding.operation);
      return rootCause({ ...finding, ...out.finding, cause, frame: emulatorFrame(cause), input }) === key;
    };
    let current = finding.input;
    for (const k of Object.keys(current)) {
      const { [k]: _, ...without } = current;
      if (await same(without)) current = without;
    }
    for (const k of Object.keys(current)) {
      const v = current[k];
      if (!v || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || v instanceof Date) continue;
      for (const inner of Object.keys(v)) {
        const { [inner]: _, ...rest } = current[k] as Record<string, unknown>;
        const candidate = { ...current, [k]: rest };
        if (await same(candidate)) current = candidate;
      }
    }
    return current;
  }

  async run(): Promise<void> {
    for (const service of WELL_TYPED_SERVICES) {
      if (this.opts.services && !this.opts.services.includes(service.name)) continue;
      const started = Date.now();
      const s = await this.fuzzService(service);
      this.opts.onProgress?.(
        `${service.name.padEnd(15)} ${String(s.operations).padStart(3)} ops (${s.notImplemented} not implemented), ${s.cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
          `${s.ok} answered, ${s.clientErrors} 4xx, ${s.rejectedBeforeSending} refused by the client, ${s.misrouted} misrouted, ${s.findings} findings`,
      );
    }
  }
}

/** The normalized message: ids, numbers and quoted values taken out, so one bug with many inputs is one entry. */
const normalize = (m: string) => m.replace(/'[^']*'|"[^"]*"/g, "''").replace(/[0-9a-f-]{8,}/gi, '#').replace(/\d+/g, '#').slice(0, 160);

function rootCause(f: Finding): string {
  // A frame and the error's class (TypeError, RangeError, …) make one root cause; the message varies with the value.
  if (f.frame) return `${f.kind}|${f.frame}|${(f.cause ?? '').match(/failed: (\w+)/)?.[1] ?? ''}`;
  return `${f.kind}|${f.service}.${f.operation}|${f.status ?? ''}|${normalize(f.message)}`;
}

/** One entry per root cause: every operation it showed in, and the smallest input that showed it. */
export function groupFindings(findings: Finding[]): { key: string; count: number; operations: string[]; example: Finding }[] {
  const groups = new Map<string, { key: string; count: number; operations: Set<string>; example: Finding }>();
  for (const f of findings) {
    const key = rootCause(f);
    const g = groups.get(key) ?? { key, count: 0, operations: new Set<string>(), example: f };
    g.count++;
    g.operations.add(`${f.service}.${f.operation}`);
    if (describeInput(f.input).length < describeInput(g.example.input).length) g.example = f;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ ...g, operations: [...g.operations] }));
}

/** JSON for a report: long strings, bytes and dates written so that they can be typed back in. */
export function describeInput(input: unknown): string {
  return JSON.stringify(input, function (this: any, key, value) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return raw.length > 64 ? `<${raw.length} bytes>` : `<bytes ${Buffer.from(raw).toString('base64')}>`;
    if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? '<Invalid Date>' : `<Date ${raw.toISOString()}>`;
    if (typeof raw === 'number' && !Number.isFinite(raw)) return `<${raw}>`;
    if (typeof value === 'string' && value.length > 80) return /^(.)\1*$/.test(value) ? `<'${value[0]}' × ${value.length}>` : `${value.slice(0, 80)}…<${value.length} chars>`;
    return value;
  });
}

export async function harnessHealth(emu: RunningEmulator): Promise<number> {
  const res = await fetch(`${emu.endpoint}/_harness/health`, { signal: AbortSignal.timeout(5000) });
  await res.text();
  return res.status;
}
