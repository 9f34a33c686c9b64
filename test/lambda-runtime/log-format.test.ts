import { spawnSync } from 'node:child_process';
import { RuntimePool, type LogLine } from '../../emulator/lambda/runtime';
import { event, json, removeTempDirs, spec, writeCode } from './helpers';

/** LoggingConfig in the runtime: JSON application lines and platform records, level filtering, the log group. */

const hasPython = spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 8)']).status === 0;
const pythonTest = hasPython ? test : test.skip;

const shipped: { group: string; stream: string; lines: LogLine[] }[] = [];
const pool = new RuntimePool({ endpointUrl: 'http://127.0.0.1:4566', onLog: (_fn, stream, lines, group) => shipped.push({ group, stream, lines }) });

afterAll(async () => {
  await pool.close();
  removeTempDirs();
});

/** The log tail's lines that are JSON objects, parsed; the others as text. */
function split(tail: string): { records: any[]; text: string[] } {
  const records: any[] = [];
  const text: string[] = [];
  for (const line of tail.split('\n').filter(Boolean)) {
    try {
      records.push(JSON.parse(line));
    } catch {
      text.push(line);
    }
  }
  return { records, text };
}

const JSON_INFO = { format: 'JSON' as const, applicationLogLevel: 'INFO', systemLogLevel: 'INFO' };

describe('Node.js with the JSON log format', () => {
  const source = `
    exports.handler = async (event) => {
      console.trace('trace line');
      console.debug('debug line');
      console.log('plain', 42);
      console.info({ order: event.id, items: [1, 2] });
      const e = new TypeError('bad input');
      e.code = 'E_BAD';
      console.error(e);
      console.warn('failed %s', 'twice', new RangeError('out of range'));
      process.stdout.write('raw stdout\\n');
      return { format: process.env.AWS_LAMBDA_LOG_FORMAT, level: process.env.AWS_LAMBDA_LOG_LEVEL };
    };`;

  test('console.* write one JSON object each, below the application level dropped; START/REPORT become records', async () => {
    const s = spec(writeCode({ 'index.js': source }), { memorySizeMb: 128, logging: JSON_INFO });
    const r = await pool.invoke(s, event({ id: 7 }), { requestId: 'json-req-1' });
    expect(json(r.payload)).toEqual({ format: 'JSON', level: 'INFO' });
    const { records, text } = split(r.logTail);
    // A plain write is not the runtime's to format: it stays text (Lambda reads it as INFO, which passes).
    expect(text).toEqual(['raw stdout']);
    const app = records.filter((x) => x.level);
    expect(app.map((x) => x.level)).toEqual(['INFO', 'INFO', 'ERROR', 'WARN']);
    for (const x of app) {
      expect(x.requestId).toBe('json-req-1');
      expect(x.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect(app[0].message).toBe('plain 42');
    expect(app[1].message).toEqual({ order: 7, items: [1, 2] });
    expect(app[2].message).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input', code: 'E_BAD' });
    expect(app[2].message.stackTrace[0]).toBe('TypeError: bad input');
    expect(app[3]).toMatchObject({ message: expect.stringContaining('failed twice RangeError: out of range'), errorType: 'RangeError', errorMessage: 'out of range' });
    expect(Array.isArray(app[3].stackTrace)).toBe(true);

    const platform = records.filter((x) => x.type);
    expect(platform.map((x) => x.type)).toEqual(['platform.start', 'platform.report']);
    expect(platform[0]).toEqual({ time: expect.any(String), type: 'platform.start', record: { requestId: 'json-req-1', version: '$LATEST' } });
    expect(platform[1].record).toMatchObject({
      requestId: 'json-req-1',
      status: 'success',
      metrics: { durationMs: expect.any(Number), billedDurationMs: expect.any(Number), memorySizeMB: 128, maxMemoryUsedMB: expect.any(Number), initDurationMs: expect.any(Number) },
    });
    expect(r.logTail).not.toMatch(/^(START|END|REPORT) RequestId/m);
  });

  test('levels: TRACE keeps everything, ERROR keeps errors only (plain output is INFO and goes too)', async () => {
    const dir = writeCode({ 'index.js': source });
    const trace = await pool.invoke(spec(dir, { logging: { ...JSON_INFO, applicationLogLevel: 'TRACE' } }), event({ id: 1 }));
    expect(split(trace.logTail).records.filter((x) => x.level).map((x) => x.level)).toEqual(['TRACE', 'DEBUG', 'INFO', 'INFO', 'ERROR', 'WARN']);
    const errors = await pool.invoke(spec(dir, { logging: { ...JSON_INFO, applicationLogLevel: 'ERROR' } }), event({ id: 1 }));
    const { records, text } = split(errors.logTail);
    expect(records.filter((x) => x.level).map((x) => x.level)).toEqual(['ERROR']);
    expect(text).toEqual([]);
    expect(json(errors.payload).level).toBe('ERROR');
  });

  test('SystemLogLevel: DEBUG adds platform.runtimeDone, WARN leaves the platform records out', async () => {
    const dir = writeCode({ 'index.js': `exports.handler = async () => 'ok';` });
    const debug = await pool.invoke(spec(dir, { logging: { ...JSON_INFO, systemLogLevel: 'DEBUG' } }), event({}), { requestId: 'sys-debug' });
    const types = split(debug.logTail).records.map((x) => x.type);
    expect(types).toEqual(['platform.start', 'platform.runtimeDone', 'platform.report']);
    expect(split(debug.logTail).records[1].record).toEqual({ requestId: 'sys-debug', status: 'success', metrics: { durationMs: expect.any(Number), producedBytes: 4 } });
    const warn = await pool.invoke(spec(dir, { logging: { ...JSON_INFO, systemLogLevel: 'WARN' } }), event({}));
    expect(warn.logTail).toBe('');
  });

  test('a failed invocation: the error as an ERROR entry, the report with status and error type', async () => {
    const dir = writeCode({ 'index.js': `exports.handler = async () => { throw new SyntaxError('nope'); };` });
    const r = await pool.invoke(spec(dir, { logging: JSON_INFO }), event({}), { requestId: 'json-fail' });
    expect(r.functionError).toBe('Unhandled');
    const { records } = split(r.logTail);
    const failure = records.find((x) => x.level === 'ERROR');
    expect(failure).toMatchObject({ requestId: 'json-fail', message: { errorType: 'SyntaxError', errorMessage: 'nope' } });
    expect(records.find((x) => x.type === 'platform.report').record).toMatchObject({ status: 'error', errorType: 'SyntaxError' });
  });

  test('a custom log group: the lines are sent for it, the stream is named after the function, the variable says so', async () => {
    const dir = writeCode({ 'index.js': `exports.handler = async (e, ctx) => [process.env.AWS_LAMBDA_LOG_GROUP_NAME, ctx.logGroupName];` });
    const s = spec(dir, { logging: { format: 'Text', logGroup: 'shared/app-logs' } });
    const r = await pool.invoke(s, event({}), { requestId: 'custom-group' });
    expect(json(r.payload)).toEqual(['shared/app-logs', 'shared/app-logs']);
    const sent = shipped.find((x) => x.lines.some((l) => l.message === 'END RequestId: custom-group'));
    expect(sent?.group).toBe('shared/app-logs');
    expect(sent?.stream).toMatch(new RegExp(`^\\d{4}/\\d\\d/\\d\\d/${s.functionName}\\[\\$LATEST\\][0-9a-f]{32}$`));
  });

  test('Text stays as it was: tab-separated lines and START / END / REPORT, no JSON variables', async () => {
    const dir = writeCode({ 'index.js': `exports.handler = async () => { console.debug('dbg'); return [process.env.AWS_LAMBDA_LOG_FORMAT ?? null, process.env.AWS_LAMBDA_LOG_GROUP_NAME]; };` });
    const s = spec(dir);
    const r = await pool.invoke(s, event({}), { requestId: 'text-req' });
    expect(json(r.payload)).toEqual([null, `/aws/lambda/${s.functionName}`]);
    expect(r.logTail).toMatch(/^START RequestId: text-req Version: \$LATEST\n\S+\ttext-req\tDEBUG\tdbg\nEND RequestId: text-req\nREPORT RequestId: text-req\tDuration: /);
    expect(shipped.find((x) => x.lines.some((l) => l.message === 'END RequestId: text-req'))?.group).toBe(`/aws/lambda/${s.functionName}`);
  });
});

describe('Python with the JSON log format', () => {
  pythonTest("logging records as JSON with the Python runtime's field names; print stays text; errors as JSON", async () => {
    const dir = writeCode({
      'app.py': [
        'import logging',
        'logger = logging.getLogger("orders")',
        'def handler(event, context):',
        '    logger.debug("hidden")',
        '    logger.info("got %s", event["n"], extra={"orderId": "o-1"})',
        '    logger.warning("careful")',
        '    try:',
        '        {}["missing"]',
        '    except KeyError:',
        '        logger.exception("lookup failed")',
        '    print("plain print")',
        '    if event.get("fail"):',
        '        raise ValueError("broken")',
        '    return "ok"',
      ].join('\n'),
    });
    const s = spec(dir, { runtime: 'python3.12', handler: 'app.handler', logging: JSON_INFO });
    const r = await pool.invoke(s, event({ n: 3 }), { requestId: 'py-json' });
    const { records, text } = split(r.logTail);
    expect(text).toEqual(['plain print']);
    const app = records.filter((x) => x.level);
    expect(app.map((x) => x.level)).toEqual(['INFO', 'WARNING', 'ERROR']);
    expect(app[0]).toEqual({ timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: 'INFO', message: 'got 3', logger: 'orders', requestId: 'py-json', orderId: 'o-1' });
    expect(app[2]).toMatchObject({ message: 'lookup failed', errorType: 'KeyError', errorMessage: "'missing'", location: expect.stringMatching(/app\.py:handler:10$/) });
    expect(app[2].stackTrace.length).toBeGreaterThan(0);
    expect(records.map((x) => x.type).filter(Boolean)).toEqual(['platform.start', 'platform.report']);

    const failed = await pool.invoke(s, event({ n: 1, fail: true }), { requestId: 'py-json-fail' });
    const error = split(failed.logTail).records.find((x) => x.errorType === 'ValueError');
    expect(error).toMatchObject({ level: 'ERROR', errorMessage: 'broken', requestId: 'py-json-fail', stackTrace: expect.any(Array) });
    expect(error.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });
});
