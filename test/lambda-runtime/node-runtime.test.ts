import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RuntimePool, type LogLine } from '../../emulator/lambda/runtime';
import { event, json, removeTempDirs, spec, writeCode } from './helpers';

/** Stands in for the emulator: records what the functions' SDK clients send. */
const seen: { method?: string; url?: string; authorization?: string }[] = [];
const fakeEmulator = http.createServer((req, res) => {
  seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
  req.resume();
  res.writeHead(200, { 'Content-Type': 'application/xml' });
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Owner><ID>owner</ID></Owner><Buckets><Bucket><Name>uploads</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate>' +
      '</Bucket></Buckets></ListAllMyBucketsResult>',
  );
});
let endpointUrl = '';
let pool: RuntimePool;
const logs: { functionName: string; stream: string; lines: LogLine[] }[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => fakeEmulator.listen(0, '127.0.0.1', resolve));
  endpointUrl = `http://127.0.0.1:${(fakeEmulator.address() as AddressInfo).port}`;
  pool = new RuntimePool({ endpointUrl, onLog: (functionName, stream, lines) => logs.push({ functionName, stream, lines }) });
});

afterAll(async () => {
  await pool.close();
  fakeEmulator.close();
  removeTempDirs();
});

describe('Node runtime', () => {
  test("node runs with Lambda's flags: memory split into young and old space, gc exposed, 80 KiB headers", async () => {
    const dir = writeCode({
      'index.js': `exports.handler = async () => ({ gc: typeof global.gc, argv: process.execArgv, maxHeader: require('http').maxHeaderSize });`,
    });
    const r = await pool.invoke(spec(dir, { memorySizeMb: 512 }), event({}));
    const body = json(r.payload);
    expect(body.gc).toBe('function');
    expect(body.maxHeader).toBe(81920);
    // 512 MB: a tenth (51) is the young generation, two semi-spaces of 25; the old space gets 461.
    expect(body.argv).toEqual(expect.arrayContaining(['--expose-gc', '--max-semi-space-size=25', '--max-old-space-size=461']));
  });

  test('an async handler gets the event and a context, and its return value is the payload', async () => {
    const dir = writeCode({
      'index.js': `exports.handler = async (event, context) => ({
        got: event,
        requestId: context.awsRequestId,
        fn: context.functionName,
        version: context.functionVersion,
        arn: context.invokedFunctionArn,
        memory: context.memoryLimitInMB,
        group: context.logGroupName,
        stream: context.logStreamName,
        remaining: context.getRemainingTimeInMillis(),
        waits: context.callbackWaitsForEmptyEventLoop,
        trace: process.env._X_AMZN_TRACE_ID,
        clientContext: context.clientContext,
      });`,
    });
    const s = spec(dir, { memorySizeMb: 192 });
    const r = await pool.invoke(s, event({ hello: 'world' }), {
      requestId: 'req-async-1',
      traceId: 'Root=1-abc-def;Sampled=0',
      clientContext: Buffer.from(JSON.stringify({ custom: { tenant: 'acme' } })).toString('base64'),
    });
    expect(r.functionError).toBeUndefined();
    expect(r.requestId).toBe('req-async-1');
    const body = json(r.payload);
    expect(body).toMatchObject({
      got: { hello: 'world' },
      requestId: 'req-async-1',
      fn: s.functionName,
      version: '$LATEST',
      arn: s.functionArn,
      memory: '192',
      group: `/aws/lambda/${s.functionName}`,
      waits: true,
      trace: 'Root=1-abc-def;Sampled=0',
      clientContext: { custom: { tenant: 'acme' } },
    });
    expect(body.stream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(body.remaining).toBeGreaterThan(0);
    expect(body.remaining).toBeLessThanOrEqual(10_000);
    expect(r.initDurationMs).toBeGreaterThan(0);
    expect(r.timedOut).toBe(false);
  });

  test('a callback handler answers through the callback', async () => {
    const dir = writeCode({
      'index.js': `exports.handler = function (event, context, callback) {
        context.callbackWaitsForEmptyEventLoop = false;
        setImmediate(() => callback(null, { doubled: event.n * 2 }));
      };`,
    });
    const r = await pool.invoke(spec(dir), event({ n: 21 }));
    expect(r.functionError).toBeUndefined();
    expect(json(r.payload)).toEqual({ doubled: 42 });
  });

  test('a callback error is an Unhandled function error', async () => {
    const dir = writeCode({ 'index.js': `exports.handler = (e, c, cb) => cb(new TypeError('bad input'));` });
    const r = await pool.invoke(spec(dir), event({}));
    expect(r.functionError).toBe('Unhandled');
    expect(json(r.payload)).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
  });

  test('an .mjs handler in a nested folder is loaded as an ES module and may import the SDK', async () => {
    const dir = writeCode({
      'src/app.mjs': `import { S3Client } from '@aws-sdk/client-s3';
        export const handler = async () => ({ esm: typeof import.meta.url, sdk: typeof S3Client });`,
    });
    const r = await pool.invoke(spec(dir, { handler: 'src/app.handler' }), event({}));
    expect(r.functionError).toBeUndefined();
    expect(json(r.payload)).toEqual({ esm: 'string', sdk: 'function' });
  });

  test('a handler that throws gives functionError Unhandled with errorType, errorMessage and trace', async () => {
    const dir = writeCode({
      'index.js': `class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }
        exports.handler = async () => { throw new ValidationError('order 42 has no items'); };`,
    });
    const r = await pool.invoke(spec(dir), event({}));
    expect(r.functionError).toBe('Unhandled');
    const body = json(r.payload);
    expect(body).toMatchObject({ errorType: 'ValidationError', errorMessage: 'order 42 has no items' });
    expect(body.trace[0]).toBe('ValidationError: order 42 has no items');
    expect(r.logTail).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"ValidationError"/);
  });

  test('an error name with line breaks is reported as it is, and the environment keeps working (it travels in a header too)', async () => {
    const dir = writeCode({
      'index.js': `let calls = 0;
        exports.handler = async () => {
          if (++calls === 1) { const e = new Error('odd'); e.name = 'Bad\\r\\nX-Injected: yes'; throw e; }
          return { pid: process.pid, calls };
        };`,
    });
    const s = spec(dir);
    const r = await pool.invoke(s, event({}));
    expect(r.functionError).toBe('Unhandled');
    expect(json(r.payload)).toMatchObject({ errorType: 'Bad\r\nX-Injected: yes', errorMessage: 'odd' });
    const again = await pool.invoke(s, event({}));
    expect(again.functionError).toBeUndefined();
    expect(json(again.payload)).toMatchObject({ calls: 2 });
  });

  test('many invocations in a row on one environment: each gets its own event, result and log lines', async () => {
    const dir = writeCode({ 'index.js': `exports.handler = async (e) => { console.log('got', e.i); return { i: e.i, pid: process.pid }; };` });
    const s = spec(dir);
    const pids = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const r = await pool.invoke(s, event({ i }));
      expect(json(r.payload).i).toBe(i);
      expect(r.logTail).toMatch(new RegExp(`\\tINFO\\tgot ${i}\\n`));
      expect(r.logTail).not.toMatch(new RegExp(`\\tINFO\\tgot ${i - 1}\\n`));
      pids.add(json(r.payload).pid);
    }
    expect(pids.size).toBe(1);
  });

  test('require("@aws-sdk/client-s3") works without bundling, and its calls go to AWS_ENDPOINT_URL', async () => {
    const dir = writeCode({
      'index.js': `const { S3Client, ListBucketsCommand } = require('@aws-sdk/client-s3');
        exports.handler = async () => {
          const out = await new S3Client({ forcePathStyle: true }).send(new ListBucketsCommand({}));
          return out.Buckets.map((b) => b.Name);
        };`,
    });
    const r = await pool.invoke(spec(dir, { region: 'eu-west-1' }), event({}));
    expect(json(r.payload)).toEqual(['uploads']);
    expect(r.functionError).toBeUndefined();
    const call = seen.find((c) => c.method === 'GET' && c.authorization);
    expect(call?.authorization).toMatch(/Credential=test\/\d{8}\/eu-west-1\/s3\/aws4_request/);
  });

  test("the provided SDK's Node-version warning stays out of the log; a function's own warnings do not", async () => {
    // The SDK warns once per process when it finds Node < 22; called with an old version so it warns on any host.
    const dir = writeCode({
      'index.js': `const { emitWarningIfUnsupportedVersion } = require('@aws-sdk/core/client');
        exports.handler = async () => {
          emitWarningIfUnsupportedVersion('v18.0.0');
          process.emitWarning('NodeVersionSupportWarning: the function says so itself');
          await new Promise((resolve) => setImmediate(resolve)); // warnings are printed on the next tick
          return 'ok';
        };`,
    });
    const r = await pool.invoke(spec(dir), event({}));
    expect(json(r.payload)).toBe('ok');
    expect(r.logTail).toContain('NodeVersionSupportWarning: the function says so itself');
    expect(r.logTail).not.toContain('You are running node');
  });

  test('only the SDK is provided: packages of the emulator itself are not resolvable', async () => {
    const dir = writeCode({
      'index.js': `exports.handler = async () => { try { require('yauzl'); return 'found'; } catch (e) { return e.code; } };`,
    });
    const r = await pool.invoke(spec(dir), event({}));
    expect(json(r.payload)).toBe('MODULE_NOT_FOUND');
  });

  test('the environment is Lambda\'s, built from scratch: host secrets do not leak', async () => {
    const saved = { secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.GITHUB_TOKEN };
    process.env.AWS_SECRET_ACCESS_KEY = 'real-secret';
    process.env.GITHUB_TOKEN = 'ghp_should_not_leak';
    try {
      const dir = writeCode({ 'index.js': `exports.handler = async () => process.env;` });
      const s = spec(dir, { runtime: 'nodejs22.x', memorySizeMb: 128, environment: { TABLE: 'orders', AWS_REGION: 'xx-fake-1' } });
      const r = await pool.invoke(s, event({}));
      const env = json(r.payload) as Record<string, string>;
      expect(env).toMatchObject({
        _HANDLER: 'index.handler',
        AWS_REGION: 'us-east-1', // reserved: the function's own value does not win
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_LAMBDA_FUNCTION_NAME: s.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${s.functionName}`,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_SESSION_TOKEN: 'test',
        LAMBDA_TASK_ROOT: dir,
        TZ: 'UTC',
        LANG: 'en_US.UTF-8',
        AWS_ENDPOINT_URL: endpointUrl,
        TABLE: 'orders',
      });
      expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
      expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(env.LAMBDA_RUNTIME_DIR).toBeTruthy();
      expect(env.PATH).toBeTruthy();
      expect(env.GITHUB_TOKEN).toBeUndefined();
      expect(JSON.stringify(env)).not.toContain('real-secret');
      expect(JSON.stringify(env)).not.toContain('ghp_should_not_leak');
      expect(env.HOME).toBeUndefined();
    } finally {
      for (const [k, v] of [['AWS_SECRET_ACCESS_KEY', saved.secret], ['GITHUB_TOKEN', saved.token]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('a warm environment is reused: same process, module state kept, no init the second time', async () => {
    const dir = writeCode({ 'index.js': `let calls = 0; exports.handler = async () => ({ pid: process.pid, calls: ++calls });` });
    const s = spec(dir);
    const first = await pool.invoke(s, event({}));
    const second = await pool.invoke(s, event({}));
    expect(json(second.payload)).toEqual({ pid: json(first.payload).pid, calls: 2 });
    expect(first.initDurationMs).toBeDefined();
    expect(second.initDurationMs).toBeUndefined();
    // The INIT phase is billed (since August 2025): the cold invocation's billed duration covers init and invoke.
    expect(first.billedDurationMs).toBe(Math.ceil(first.durationMs + first.initDurationMs!));
    expect(second.billedDurationMs).toBe(Math.max(1, Math.ceil(second.durationMs)));
    expect(pool.concurrencyInUse(s.functionName)).toBe(0);
  });

  test('logs: init output, START, console lines in Lambda format, END and REPORT, also sent to onLog', async () => {
    const dir = writeCode({
      'index.js': `console.log('loading module');
        exports.handler = async (event) => {
          console.log('processing', { id: event.id });
          console.error('two\\nlines');
          process.stdout.write('raw write\\n');
          return 'ok';
        };`,
    });
    const s = spec(dir, { memorySizeMb: 128 });
    const r = await pool.invoke(s, event({ id: 7 }), { requestId: 'log-req-1' });
    const lines = r.logTail.split('\n');
    const start = lines.findIndex((l) => l === 'START RequestId: log-req-1 Version: $LATEST');
    expect(start).toBeGreaterThan(-1);
    expect(lines.slice(0, start).join('\n')).toMatch(/\tundefined\tINFO\tloading module/);
    expect(r.logTail).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\tlog-req-1\tINFO\tprocessing { id: 7 }$/m);
    expect(r.logTail).toMatch(/\tlog-req-1\tERROR\ttwo\nlines\n/);
    expect(lines).toContain('raw write');
    expect(r.logTail).toContain('END RequestId: log-req-1\n');
    expect(r.logTail).toMatch(
      /REPORT RequestId: log-req-1\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d{2} ms\t\n$/,
    );
    const sent = logs.find((l) => l.functionName === s.functionName);
    expect(sent?.stream).toMatch(/\[\$LATEST\]/);
    expect(sent?.lines.map((l) => l.message)).toContain('END RequestId: log-req-1');
    expect(sent?.lines.every((l) => typeof l.timestamp === 'number')).toBe(true);
  });

  test('output written straight to stderr is all in before the invocation ends', async () => {
    const dir = writeCode({
      'index.js': `exports.handler = async (event) => {
          if (event.noisy) {
            // More than a pipe holds, so the end of it is still on its way when the handler returns.
            for (let i = 0; i < 3000; i++) process.stderr.write('stderr filler line ' + i + ' ' + 'x'.repeat(60) + '\\n');
            process.stderr.write('stderr-last-' + event.n + '\\n');
          }
          return event.n;
        };`,
    });
    const s = spec(dir);
    for (let n = 1; n <= 3; n++) {
      const noisy = await pool.invoke(s, event({ noisy: true, n }), { requestId: `noisy-${n}` });
      const end = noisy.logTail.indexOf(`END RequestId: noisy-${n}`);
      expect(noisy.logTail.lastIndexOf(`stderr-last-${n}\n`)).toBeGreaterThan(-1);
      expect(noisy.logTail.lastIndexOf(`stderr-last-${n}\n`)).toBeLessThan(end);
      const quiet = await pool.invoke(s, event({ noisy: false, n }), { requestId: `quiet-${n}` });
      expect(json(quiet.payload)).toBe(n);
      expect(quiet.logTail).not.toContain('stderr');
    }
  });

  test('init errors: a missing module and a missing export are reported like Lambda', async () => {
    const missing = await pool.invoke(spec(writeCode({ 'other.js': '' })), event({}));
    expect(missing.functionError).toBe('Unhandled');
    expect(json(missing.payload)).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    expect(json(missing.payload).errorMessage).toContain("Cannot find module 'index'");

    const noExport = await pool.invoke(spec(writeCode({ 'index.js': 'exports.other = () => 1;' })), event({}));
    expect(json(noExport.payload)).toEqual(
      expect.objectContaining({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' }),
    );
  });

  test('an ES module package ("type": "module") with a .js handler works', async () => {
    const dir = writeCode({
      'package.json': JSON.stringify({ type: 'module' }),
      'index.js': `export const handler = async (event) => ({ echoed: event });`,
    });
    const r = await pool.invoke(spec(dir), event([1, 2]));
    expect(json(r.payload)).toEqual({ echoed: [1, 2] });
  });
});
