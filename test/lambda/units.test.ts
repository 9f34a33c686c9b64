import { lineageFromTraceHeader, maxLineage, nextTrace, RECURSION_LIMIT } from '../../emulator/lambda/lineage';
import { batchItemFailures } from '../../emulator/lambda/poller';
import { deadLetterAttributes, filterSubject, invocationRecord, truncateUtf8, type SqsEventRecord } from '../../emulator/lambda/records';
import { parseFunctionRef } from '../../emulator/lambda/names';
import type { Executor } from '../../emulator/lambda/execution';
import { runSync } from '../../emulator/lambda/invoke';
import type { FunctionVersion, LambdaCore, LambdaFunction } from '../../emulator/lambda/state';
import { qualify, type RunTarget } from '../../emulator/lambda/targets';

/** The pure parts: lineage counting, partial batch responses, record shapes, function references; alias resolution in runSync. */

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('lineage (recursive loop detection)', () => {
  it('reads the Lineage part of a trace header, in both known forms', () => {
    expect(lineageFromTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a87bd80c:3')).toEqual({ hash: 'a87bd80c', count: 3 });
    expect(lineageFromTraceHeader('Root=1-x;Lineage=2:a87bd80c:5;Sampled=1')).toEqual({ hash: 'a87bd80c', count: 5 });
    expect(lineageFromTraceHeader('Root=1-x;Parent=y;Sampled=0')).toBeUndefined();
    expect(lineageFromTraceHeader(undefined)).toBeUndefined();
    expect(lineageFromTraceHeader('Lineage=bad')).toBeUndefined();
  });

  it('counts up along a chain, keeps the trace root, and stops after the limit', () => {
    let header: string | undefined;
    const counts: number[] = [];
    let stoppedAt: number | undefined;
    for (let i = 1; i <= 20 && stoppedAt === undefined; i++) {
      const t = nextTrace(FN, header, Date.UTC(2026, 0, 1));
      if (t.recursive) stoppedAt = i;
      counts.push(t.count);
      if (header) expect(t.header.split(';')[0]).toBe(header.split(';')[0]);
      header = t.header;
    }
    expect(counts.slice(0, 3)).toEqual([1, 2, 3]);
    expect(RECURSION_LIMIT).toBe(16);
    // 16 invocations run; the 17th is the one Lambda drops.
    expect(stoppedAt).toBe(17);
  });

  it('takes the highest count of a batch', () => {
    expect(maxLineage([undefined, 'Root=1-a;Lineage=aa:4', 'Root=1-b;Lineage=bb:9'])).toBe(9);
    expect(nextTrace(FN, undefined, 0, 9).count).toBe(10);
  });
});

const record = (messageId: string, body = 'x'): SqsEventRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {},
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
  awsRegion: 'us-east-1',
});

describe('ReportBatchItemFailures responses', () => {
  const batch = [record('m1'), record('m2'), record('m3')];
  it('treats empty and null responses as complete success', () => {
    for (const text of ['', 'null', '{}', '{"batchItemFailures":[]}', '{"batchItemFailures":null}']) {
      expect(batchItemFailures(text, batch)).toEqual(new Set());
    }
  });
  it('returns the reported ids', () => {
    expect(batchItemFailures('{"batchItemFailures":[{"itemIdentifier":"m2"}]}', batch)).toEqual(new Set(['m2']));
  });
  it('fails the whole batch on an invalid response', () => {
    for (const text of [
      'not json',
      '{"batchItemFailures":[{"itemIdentifier":""}]}',
      '{"batchItemFailures":[{"itemIdentifier":null}]}',
      '{"batchItemFailures":[{"id":"m1"}]}',
      '{"batchItemFailures":[{"itemIdentifier":"nope"}]}',
      '{"batchItemFailures":"m1"}',
    ]) {
      expect(batchItemFailures(text, batch)).toBe('all');
    }
  });
});

describe('record shapes', () => {
  it('builds the destination record AWS documents', () => {
    const r = invocationRecord({
      nowMs: Date.UTC(2026, 0, 1),
      requestId: 'req-1',
      functionArn: FN,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      requestPayload: '{"a":1}',
      statusCode: 200,
      functionError: 'Unhandled',
      responsePayload: '{"errorMessage":"boom"}',
    });
    expect(r).toEqual({
      version: '1.0',
      timestamp: '2026-01-01T00:00:00.000Z',
      requestContext: { requestId: 'req-1', functionArn: `${FN}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { a: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom' },
    });
  });

  it('caps the DLQ ErrorMessage at 1 KB without splitting a character', () => {
    const attrs = deadLetterAttributes('req', 200, 'é'.repeat(600));
    expect(Buffer.byteLength(attrs.ErrorMessage!.StringValue!)).toBeLessThanOrEqual(1024);
    expect(attrs.ErrorMessage!.StringValue).toBe('é'.repeat(512));
    expect(attrs.ErrorCode).toEqual({ DataType: 'Number', StringValue: '200' });
    expect(attrs.RequestID).toEqual({ DataType: 'String', StringValue: 'req' });
    expect(truncateUtf8('abc', 2)).toBe('ab');
  });

  it('parses JSON bodies for filtering and leaves plain text alone', () => {
    expect(filterSubject(record('m', '{"k":"v"}')).body).toEqual({ k: 'v' });
    expect(filterSubject(record('m', 'plain')).body).toBe('plain');
    expect(filterSubject(record('m', '42')).body).toBe('42');
  });
});

describe('function references', () => {
  const scope = { region: 'us-east-1', accountId: '000000000000' };
  it('accepts names, partial and full ARNs, with qualifiers', () => {
    expect(parseFunctionRef('f', scope)).toEqual({ arn: FN, name: 'f', qualifier: undefined });
    expect(parseFunctionRef('f:$LATEST', scope).qualifier).toBe('$LATEST');
    expect(parseFunctionRef('000000000000:function:f', scope).arn).toBe(FN);
    expect(parseFunctionRef('arn:aws:lambda:eu-west-1:111111111111:function:g:prod', scope)).toEqual({
      arn: 'arn:aws:lambda:eu-west-1:111111111111:function:g',
      name: 'g',
      qualifier: 'prod',
    });
    expect(() => parseFunctionRef('bad name!', scope)).toThrow(/failed to satisfy constraint/);
  });
});

describe('synchronous invocation of an alias', () => {
  it('runs the version the alias names when the invocation starts, not when it was received', async () => {
    // An invocation that arrives while $LATEST is updating waits for the update; the alias may move meanwhile.
    let updated!: () => void;
    const version = (n: string) => ({ version: n, code: { sha256: n, size: 1, dir: `/code/${n}` }, policy: [] }) as unknown as FunctionVersion;
    const fn = {
      name: 'f',
      arn: FN,
      recursiveLoop: 'Terminate',
      deleted: false,
      settled: new Promise<void>((resolve) => (updated = resolve)),
      versions: new Map([['1', version('1')], ['2', version('2')]]),
      aliases: new Map([['live', { name: 'live', functionVersion: '1', description: '', revisionId: 'r', policy: [] }]]),
    } as unknown as LambdaFunction;
    const core = { deps: { clock: { now: () => 0 }, bus: { record: () => undefined } } } as unknown as LambdaCore;
    const ran: string[] = [];
    const executor = { run: async (t: RunTarget) => (ran.push(t.version), { payload: Buffer.from('null') }) } as unknown as Executor;

    const running = runSync(core, executor, qualify(fn, 'live'), Buffer.from('{}'), { requestId: 'r1', source: 'sync' });
    fn.aliases.get('live')!.functionVersion = '2';
    fn.versions.delete('1');
    updated();
    expect((await running).version).toBe('2');
    expect(ran).toEqual(['2']);
  });
});
