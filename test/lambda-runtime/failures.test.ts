import { RuntimePool } from '../../emulator/lambda/runtime';
import { waitFor } from '../../harness/wait';
import { event, isAlive, json, removeTempDirs, spec, writeCode } from './helpers';

const pool = new RuntimePool({ endpointUrl: 'http://127.0.0.1:4566' });

afterAll(async () => {
  await pool.close();
  removeTempDirs();
});

describe('functions that fail', () => {
  test('a handler whose promise never settles (and holds nothing open) ends as on AWS, and its environment lives on', async () => {
    // Async: Runtime.NodeJsExit; a plain function returning the promise: null (AWS's runtime interface client).
    const dir = writeCode({ 'index.js': 'exports.handler = async (e) => (e.hang ? new Promise(() => {}) : process.pid);' });
    const r = await pool.invoke(spec(dir, { timeoutSeconds: 30 }), event({ hang: true }), { requestId: 'never-1' });
    expect(r.timedOut).toBe(false);
    expect(r.functionError).toBe('Unhandled');
    expect(json(r.payload).errorType).toBe('Runtime.NodeJsExit');
    const after = await pool.invoke(spec(dir, { timeoutSeconds: 30 }), event({}), { requestId: 'never-1b' });
    expect(after.functionError).toBeUndefined();
    expect(typeof json(after.payload)).toBe('number');
    const plain = writeCode({ 'index.js': 'exports.handler = () => new Promise(() => {});' });
    const p = await pool.invoke(spec(plain, { timeoutSeconds: 30 }), event({}), { requestId: 'never-2' });
    expect(p.functionError).toBeUndefined();
    expect(json(p.payload)).toBeNull();
  });

  test('a timeout kills the process and reports "Task timed out after 1.00 seconds"', async () => {
    const dir = writeCode({
      'index.js': `exports.handler = async () => {
        console.log('pid=' + process.pid);
        // Never answers, and keeps its event loop busy (a drained loop would end the invocation instead).
        await new Promise(() => setInterval(() => {}, 1000));
      };`,
    });
    const s = spec(dir, { timeoutSeconds: 1 });
    const r = await pool.invoke(s, event({}), { requestId: 'slow-1' });
    expect(r.timedOut).toBe(true);
    expect(r.functionError).toBe('Unhandled');
    const message = json(r.payload).errorMessage as string;
    expect(message).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z slow-1 Task timed out after 1\.00 seconds$/);
    expect(r.logTail).toContain(message);
    expect(r.logTail).toMatch(/REPORT RequestId: slow-1\t.*Status: timeout/);
    const pid = Number(/pid=(\d+)/.exec(r.logTail)?.[1]);
    await waitFor(() => !isAlive(pid), { what: `timed-out runtime ${pid} to be gone` });

    // The next invocation gets a fresh environment.
    const fast = writeCode({ 'index.js': 'exports.handler = async () => process.pid;' });
    const again = await pool.invoke({ ...s, codeDir: fast, codeSha256: 'fast' }, event({}));
    expect(again.initDurationMs).toBeDefined();
    expect(json(again.payload)).not.toBe(pid);
  });

  test('process.exit(1) during an invocation is Runtime.ExitError', async () => {
    const dir = writeCode({ 'index.js': 'exports.handler = async () => { process.exit(1); };' });
    const r = await pool.invoke(spec(dir), event({}), { requestId: 'exit-1' });
    expect(r.functionError).toBe('Unhandled');
    expect(json(r.payload)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: 'RequestId: exit-1 Error: Runtime exited with error: exit status 1',
    });
    expect(r.logTail).toMatch(/REPORT RequestId: exit-1\t.*Status: error\tError Type: Runtime.ExitError/);
  });

  test('a runtime killed by a signal says which', async () => {
    const dir = writeCode({ 'index.js': "exports.handler = async () => { process.kill(process.pid, 'SIGKILL'); };" });
    const r = await pool.invoke(spec(dir), event({}), { requestId: 'kill-1' });
    expect(json(r.payload).errorMessage).toBe('RequestId: kill-1 Error: Runtime exited with error: signal: killed');
  });

  test('an exception thrown outside the handler\'s promise fails the invocation with its type', async () => {
    const dir = writeCode({
      'index.js': `exports.handler = async () => {
        setImmediate(() => { throw new RangeError('late boom'); });
        await new Promise(() => setInterval(() => {}, 1000));
      };`,
    });
    const r = await pool.invoke(spec(dir), event({}));
    expect(r.functionError).toBe('Unhandled');
    expect(json(r.payload)).toMatchObject({ errorType: 'RangeError', errorMessage: 'late boom' });
  });

  test('an unhandled promise rejection is Runtime.UnhandledPromiseRejection', async () => {
    const dir = writeCode({
      'index.js': `exports.handler = async () => {
        Promise.reject(new Error('nobody catches me'));
        await new Promise(() => setInterval(() => {}, 1000));
      };`,
    });
    const r = await pool.invoke(spec(dir), event({}));
    expect(json(r.payload)).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: nobody catches me',
    });
  });

  test('a plain function that neither returns a promise nor calls back answers null', async () => {
    const dir = writeCode({ 'index.js': 'exports.handler = (event) => { event.ignored = true; };' });
    const r = await pool.invoke(spec(dir), event({}));
    expect(r.functionError).toBeUndefined();
    expect(r.payload.toString()).toBe('null');
  });

  test('a response over 6 MB is Function.ResponseSizeTooLarge', async () => {
    const dir = writeCode({ 'index.js': "exports.handler = async () => 'x'.repeat(7 * 1024 * 1024);" });
    const r = await pool.invoke(spec(dir), event({}));
    expect(r.functionError).toBe('Unhandled');
    expect(json(r.payload)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  });

  test('a syntax error in the handler module is Runtime.UserCodeSyntaxError', async () => {
    const dir = writeCode({ 'index.js': 'exports.handler = async () => {' });
    const r = await pool.invoke(spec(dir), event({}));
    expect(json(r.payload)).toMatchObject({ errorType: 'Runtime.UserCodeSyntaxError' });
  });

  test('the Runtime API refuses unknown request ids (400) and init errors after init (403)', async () => {
    const dir = writeCode({
      'index.js': `const http = require('http');
        const post = (path) => new Promise((resolve, reject) => {
          const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
          const req = http.request({ host, port, method: 'POST', path: '/2018-06-01/runtime' + path }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
          });
          req.on('error', reject);
          req.end('{}');
        });
        exports.handler = async () => ({
          unknown: await post('/invocation/not-a-request/response'),
          lateInit: await post('/init/error'),
        });`,
    });
    const r = await pool.invoke(spec(dir), event({}));
    expect(json(r.payload)).toEqual({
      unknown: { status: 400, body: { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' } },
      lateInit: { status: 403, body: expect.objectContaining({ errorType: 'InvalidStateTransition' }) },
    });
  });

  test('an unsupported runtime is InvalidRuntimeException', async () => {
    const dir = writeCode({ 'index.js': '' });
    await expect(pool.invoke(spec(dir, { runtime: 'java21' }), event({}))).rejects.toMatchObject({
      code: 'InvalidRuntimeException',
      status: 502,
    });
  });
});

describe('environments that cannot start', () => {
  const pool = new RuntimePool({ endpointUrl: 'http://127.0.0.1:4566' });
  afterAll(() => pool.close());

  test('a code directory that does not exist is reported, not thrown', async () => {
    const r = await pool.invoke(spec('/nonexistent/lambda-code-dir'), event({}));
    expect(r.functionError).toBe('Unhandled');
    expect(json(r.payload)).toMatchObject({ errorType: 'Runtime.InvalidEntrypoint' });
    expect(json(r.payload).errorMessage).toContain('/nonexistent/lambda-code-dir');
    expect(pool.concurrencyInUse()).toBe(0);
  });
});
