import { createHash } from 'node:crypto';
import { randomHex } from '../core/ids';

/**
 * Recursive loop detection, the way Lambda does it: through the X-Ray trace header, with no X-Ray needed.
 *
 * Each invocation gets a trace header `Root=1-…;Parent=…;Sampled=0;Lineage=<fnhash>:<n>` (the runtime exposes it
 * as Lambda-Runtime-Trace-Id / `_X_AMZN_TRACE_ID`). The function's SDK calls carry it on: the Node SDK v3's
 * recursion-detection middleware copies `_X_AMZN_TRACE_ID` into an `X-Amzn-Trace-Id` request header (boto3
 * does the same), so S3 PutObject, SQS SendMessage, SNS Publish and Lambda Invoke requests made by the function
 * arrive with it. Those providers copy it along with the event they cause (SQS stores it as the AWSTraceHeader
 * system attribute; S3/SNS pass it in `Origin.correlation.traceHeader`), and the next invocation reads it here.
 *
 * `<n>` counts the Lambda invocations in the chain. After 16 of them the next invocation is dropped
 * (RecursiveInvocationException for a synchronous caller; the async DLQ / on-failure destination for an async
 * event; the queue's own redrive for an SQS event source), unless the function's RecursiveLoop is `Allow`.
 * AWS counts invocations of the same function; counting every hop of the chain is a little stricter, which
 * only matters for a chain of more than 16 distinct functions.
 */
export const RECURSION_LIMIT = 16;

export interface Lineage {
  hash: string;
  count: number;
}

/** The Lineage part of an X-Ray trace header (`…;Lineage=<hash>:<count>`, also `<version>:<hash>:<count>`). */
export function lineageFromTraceHeader(header: string | undefined | null): Lineage | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, v] = part.split('=', 2).map((s) => s.trim());
    if (k?.toLowerCase() !== 'lineage' || !v) continue;
    const pieces = v.split(':');
    const count = Number(pieces[pieces.length - 1]);
    if (pieces.length < 2 || !Number.isInteger(count) || count < 0) return undefined;
    return { hash: pieces[pieces.length - 2]!, count };
  }
  return undefined;
}

/** The highest lineage count among several headers (an SQS batch carries one per message). */
export function maxLineage(headers: (string | undefined)[]): number {
  return headers.reduce((max, h) => Math.max(max, lineageFromTraceHeader(h)?.count ?? 0), 0);
}

const rootOf = (header: string | undefined): string | undefined =>
  header?.split(';').map((p) => p.trim()).find((p) => p.startsWith('Root='))?.slice('Root='.length);

export const functionHash = (functionArn: string): string => createHash('sha256').update(functionArn).digest('hex').slice(0, 8);

export interface NextTrace {
  /** The trace header to give the invocation. */
  header: string;
  /** This invocation's place in the chain (1 = not caused by another invocation). */
  count: number;
  /** True when this invocation would be past the limit: Lambda drops it. */
  recursive: boolean;
}

/** The trace header for the next invocation of `functionArn`, caused by whatever carried `incoming`. */
export function nextTrace(functionArn: string, incoming: string | undefined, nowMs: number, priorCount?: number): NextTrace {
  const prior = priorCount ?? lineageFromTraceHeader(incoming)?.count ?? 0;
  const root = rootOf(incoming) ?? `1-${Math.floor(nowMs / 1000).toString(16).padStart(8, '0')}-${randomHex(12)}`;
  const count = prior + 1;
  return {
    header: `Root=${root};Parent=${randomHex(8)};Sampled=0;Lineage=${functionHash(functionArn)}:${count}`,
    count,
    recursive: prior >= RECURSION_LIMIT,
  };
}

/** Where an incoming event's trace header may sit in `Origin.correlation` (providers name it differently). */
export function traceHeaderFromCorrelation(correlation: Record<string, string> | undefined): string | undefined {
  if (!correlation) return undefined;
  for (const key of ['traceHeader', 'AWSTraceHeader', 'x-amzn-trace-id', 'X-Amzn-Trace-Id', 'traceId']) {
    if (correlation[key]) return correlation[key];
  }
  return undefined;
}
