import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';
import type { Queue } from './queue';

/**
 * Where queues live and how requests name them. Queues are keyed by ARN (region + account + name).
 * Incoming queue URLs may carry any host (LocalStack-style): the last path segments name account and queue,
 * and a region is read from `sqs.<region>.…`/`<region>.queue.…` hosts or `/queue/<region>/…` paths.
 */
export class QueueRegistry {
  private readonly byArn = new Map<string, Queue>();
  /** What each queue URL seen names (pure: the same URL always parses the same). */
  private readonly parsedUrls = new Map<string, ParsedQueueUrl>();

  constructor(private readonly defaults: { region: string; accountId: string; baseUrl: () => string }) {}

  static arnOf(region: string, accountId: string, name: string): string {
    return `arn:aws:sqs:${region}:${accountId}:${name}`;
  }

  get(arn: string): Queue | undefined {
    return this.byArn.get(arn);
  }
  add(q: Queue): void {
    this.byArn.set(q.arn, q);
  }
  delete(q: Queue): void {
    if (this.byArn.get(q.arn) === q) this.byArn.delete(q.arn);
  }
  all(): Queue[] {
    return [...this.byArn.values()];
  }
  clear(): void {
    this.byArn.clear();
  }

  /** `${endpoint}/${accountId}/${name}`; without a request, the emulator's own address. */
  urlOf(q: Queue, ctx?: RequestContext): string {
    return `${ctx?.endpoint ?? this.defaults.baseUrl()}/${q.accountId}/${q.name}`;
  }

  static notFound(ctx?: RequestContext): AwsError {
    // Query-protocol clients get the legacy wording.
    const query = ctx && !ctx.headers?.['x-amz-target'];
    return new AwsError('QueueDoesNotExist', query ? 'The specified queue does not exist for this wsdl version.' : 'The specified queue does not exist.', 400);
  }

  /** Parses a QueueUrl into the queue's ARN (without checking that it exists). */
  arnFromUrl(queueUrl: string | undefined, ctx?: RequestContext): string {
    if (queueUrl === undefined || queueUrl === null || queueUrl === '') throw new AwsError('MissingParameter', 'The request must contain the parameter QueueUrl.', 400);
    let parsed = typeof queueUrl === 'string' ? this.parsedUrls.get(queueUrl) : undefined;
    if (!parsed) {
      parsed = typeof queueUrl === 'string' ? parseQueueUrl(queueUrl) : undefined;
      if (!parsed) throw new AwsError('InvalidAddress', `The address ${queueUrl} is not valid for this endpoint.`, 404);
      // Every SQS request names its queue by URL; a client uses a few URLs over and over.
      if (this.parsedUrls.size >= 1000) this.parsedUrls.clear();
      this.parsedUrls.set(queueUrl, parsed);
    }
    const region = parsed.region ?? ctx?.region ?? this.defaults.region;
    return QueueRegistry.arnOf(region, parsed.account ?? ctx?.accountId ?? this.defaults.accountId, parsed.name);
  }

  byUrl(queueUrl: string | undefined, ctx?: RequestContext): Queue {
    const q = this.byArn.get(this.arnFromUrl(queueUrl, ctx));
    if (!q) throw QueueRegistry.notFound(ctx);
    return q;
  }

  byArnOrThrow(arn: string, ctx?: RequestContext): Queue {
    const q = this.byArn.get(arn);
    if (!q) throw QueueRegistry.notFound(ctx);
    return q;
  }

  /** For in-process callers: a queue URL, ARN or bare name. */
  find(ref: string): Queue | undefined {
    if (ref.startsWith('arn:')) return this.byArn.get(ref);
    if (ref.includes('/')) {
      try {
        return this.byArn.get(this.arnFromUrl(ref));
      } catch {
        return undefined;
      }
    }
    return this.byArn.get(QueueRegistry.arnOf(this.defaults.region, this.defaults.accountId, ref)) ?? this.all().find((q) => q.name === ref);
  }

  /** Queues whose RedrivePolicy targets `dlqArn`. */
  sourcesOf(dlqArn: string): Queue[] {
    return this.all().filter((q) => q.redrivePolicy?.deadLetterTargetArn === dlqArn);
  }

  isValidQueueArn(arn: string): boolean {
    const p = parseArn(arn);
    return !!p && p.service === 'sqs' && !!p.resource;
  }
}

/** A queue URL's parts: the queue name, and the account and region it names, if it does. */
interface ParsedQueueUrl {
  name: string;
  account?: string;
  region?: string;
}

/** Parses a queue URL (`http://host/123456789012/name`, `/queue/<region>/…` paths, region hosts); undefined if invalid. */
function parseQueueUrl(queueUrl: string): ParsedQueueUrl | undefined {
  let host = '';
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(queueUrl)) {
    let url: URL;
    try {
      url = new URL(queueUrl);
    } catch {
      return undefined;
    }
    host = url.hostname;
    path = url.pathname;
  } else if (queueUrl.includes('/')) path = queueUrl;
  else return undefined;
  let segments: string[];
  try {
    segments = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (segments.length === 0) return undefined;
  const name = segments.at(-1)!;
  const account = segments.length >= 2 && /^\d{12}$/.test(segments.at(-2)!) ? segments.at(-2)! : undefined;
  if (segments.length >= 2 && !account) return undefined;
  const pathRegion = segments.length >= 4 && segments.at(-4) === 'queue' ? segments.at(-3) : undefined;
  const hostRegion = /^sqs\.([a-z]{2}(?:-[a-z]+)+-\d)\./.exec(host)?.[1] ?? /^([a-z]{2}(?:-[a-z]+)+-\d)\.queue\./.exec(host)?.[1];
  return { name, account, region: pathRegion ?? hostRegion };
}
