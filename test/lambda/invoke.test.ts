import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { CreateFunctionCommand, InvokeCommand, PutFunctionConcurrencyCommand, PutFunctionRecursionConfigCommand } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import {
  deployNode,
  HOLDING_HANDLER,
  json,
  lambdaClient,
  makeZip,
  payload,
  recordHops,
  rejection,
  ROLE,
  scratchDir,
  uniqueName,
} from './helpers';

/** Invoke: synchronous results, logs, errors, timeouts, throttles, Event and DryRun, payload limits, recursion. */

const emulator = useEmulator({ timeScale: 0.001 });
let client: ReturnType<typeof lambdaClient> | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
afterAll(() => client?.destroy());

describe('RequestResponse', () => {
  it('returns the payload, with the tail of the log on request', async () => {
    const name = uniqueName('echo');
    await deployNode(lambda(), name, `exports.handler = async (event, context) => { console.log('hello from', context.functionName); return { got: event, requestId: context.awsRequestId }; };`);
    const out = await lambda().send(new InvokeCommand({ FunctionName: name, Payload: payload({ a: 1 }), LogType: 'Tail' }));
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.FunctionError).toBeUndefined();
    const body = json(out.Payload);
    expect(body.got).toEqual({ a: 1 });
    // The invocation's request id is the API response's request id, as on AWS.
    expect(body.requestId).toBe(out.$metadata.requestId);
    const log = Buffer.from(out.LogResult!, 'base64').toString('utf8');
    expect(log).toContain(`START RequestId: ${body.requestId}`);
    expect(log).toContain(`hello from ${name}`);
    expect(log).toMatch(/REPORT RequestId: .*Duration/);
    expect(Buffer.from(out.LogResult!, 'base64').length).toBeLessThanOrEqual(4096);
  });

  it('writes the invocation log to CloudWatch Logs, stamped on the emulator clock', async () => {
    const name = uniqueName('logged');
    await deployNode(lambda(), name, `exports.handler = async () => { console.log('to cloudwatch'); return 1; };`);
    const before = emulator().clock.now();
    await lambda().send(new InvokeCommand({ FunctionName: name }));
    const after = emulator().clock.now();
    const logs = new CloudWatchLogsClient({ ...clientConfig(emulator()), maxAttempts: 1 });
    try {
      const events = await waitFor(
        async () => {
          const out = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, startTime: before }));
          return out.events?.some((e) => e.message?.startsWith('REPORT RequestId')) && out.events;
        },
        { what: 'the REPORT line in /aws/lambda/' + name },
      );
      expect(events.map((e) => e.message).join('\n')).toContain('to cloudwatch');
      expect(events[0]!.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
      for (const e of events) {
        expect(e.timestamp).toBeGreaterThanOrEqual(before - 1000);
        expect(e.timestamp).toBeLessThanOrEqual(after + 1000);
      }
    } finally {
      logs.destroy();
    }
  });

  it('keeps only the last 4 KB of a long log', async () => {
    const name = uniqueName('chatty');
    await deployNode(lambda(), name, `exports.handler = async () => { for (let i = 0; i < 200; i++) console.log('line ' + i + ' ' + 'x'.repeat(60)); return 'ok'; };`);
    const out = await lambda().send(new InvokeCommand({ FunctionName: name, LogType: 'Tail' }));
    const log = Buffer.from(out.LogResult!, 'base64');
    expect(log.length).toBe(4096);
    expect(log.toString('utf8')).toContain('REPORT RequestId');
    expect(log.toString('utf8')).not.toContain('line 0 ');
  });

  it('reports a function error with X-Amz-Function-Error: Unhandled and the error document', async () => {
    const name = uniqueName('throws');
    await deployNode(lambda(), name, `exports.handler = async () => { const e = new Error('kaput'); e.name = 'CustomError'; throw e; };`);
    const out = await lambda().send(new InvokeCommand({ FunctionName: name, Payload: payload({}) }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out.Payload)).toMatchObject({ errorType: 'CustomError', errorMessage: 'kaput' });
  });

  it('times out with "Task timed out after 1.00 seconds"', async () => {
    const name = uniqueName('slow');
    await deployNode(lambda(), name, `exports.handler = () => new Promise(() => setInterval(() => {}, 1000));`, { Timeout: 1 });
    const out = await lambda().send(new InvokeCommand({ FunctionName: name }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out.Payload).errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
  });

  it('throttles the second of two concurrent invokes when reserved concurrency is 1', async () => {
    const name = uniqueName('reserved');
    await deployNode(lambda(), name, HOLDING_HANDLER, { Timeout: 30 });
    await lambda().send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
    const dir = scratchDir();
    try {
      const first = lambda().send(new InvokeCommand({ FunctionName: name, Payload: payload({ dir, id: 'a' }) }));
      await waitFor(() => fs.existsSync(path.join(dir, 'started-a')), { what: 'the first invocation to start' });
      const err = await rejection(lambda().send(new InvokeCommand({ FunctionName: name, Payload: payload({ dir, id: 'b' }) })));
      expect(err.name).toBe('TooManyRequestsException');
      expect(err.$metadata.httpStatusCode).toBe(429);
      expect(err.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
      fs.writeFileSync(path.join(dir, 'release'), '');
      expect(json((await first).Payload)).toEqual({ id: 'a' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a payload over 6 MB (RequestEntityTooLargeException 413) and one that is not JSON', async () => {
    const name = uniqueName('limits');
    await deployNode(lambda(), name, `exports.handler = async () => 'ok';`);
    const big = Buffer.from(JSON.stringify({ s: 'x'.repeat(6_291_456) }));
    const err = await rejection(lambda().send(new InvokeCommand({ FunctionName: name, Payload: big })));
    expect(err.name).toBe('RequestEntityTooLargeException');
    expect(err.$metadata.httpStatusCode).toBe(413);
    const notJson = await rejection(lambda().send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{oops') })));
    expect(notJson.name).toBe('InvalidRequestContentException');
  });
});

describe('Event and DryRun', () => {
  it('answers 202 with an empty body and runs the event in the background', async () => {
    const name = uniqueName('event');
    const dir = scratchDir();
    try {
      await deployNode(lambda(), name, `const fs = require('fs'); exports.handler = async (e) => { fs.writeFileSync(e.dir + '/ran', JSON.stringify(e)); };`);
      const out = await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({ dir, n: 7 }) }));
      expect(out.StatusCode).toBe(202);
      expect(out.Payload?.length ?? 0).toBe(0);
      const ran = await waitFor(() => fs.existsSync(path.join(dir, 'ran')) && JSON.parse(fs.readFileSync(path.join(dir, 'ran'), 'utf8')), { what: 'the event to run' });
      expect(ran).toEqual({ dir, n: 7 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an asynchronous payload over 1 MB', async () => {
    const name = uniqueName('event-big');
    await deployNode(lambda(), name, `exports.handler = async () => 'ok';`);
    const err = await rejection(
      lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ s: 'x'.repeat(1_048_576) })) })),
    );
    expect(err.name).toBe('RequestEntityTooLargeException');
  });

  it('DryRun answers 204 without running the function', async () => {
    const name = uniqueName('dry');
    await deployNode(lambda(), name, `exports.handler = async () => { throw new Error('must not run'); };`);
    const hops = recordHops(emulator());
    try {
      const out = await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'DryRun' }));
      expect(out.StatusCode).toBe(204);
      expect(hops.of('lambda.invoke.start', name)).toHaveLength(0);
    } finally {
      hops.stop();
    }
    expect((await rejection(lambda().send(new InvokeCommand({ FunctionName: 'missing', InvocationType: 'DryRun' })))).name).toBe('ResourceNotFoundException');
  });
});

describe('recursive loop detection', () => {
  it('gives each invocation a lineage and stops a chain after 16 invocations', async () => {
    const name = uniqueName('trace');
    await deployNode(lambda(), name, `exports.handler = async () => process.env._X_AMZN_TRACE_ID;`);
    const first = json((await lambda().send(new InvokeCommand({ FunctionName: name }))).Payload) as string;
    expect(first).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0;Lineage=[0-9a-f]{8}:1$/);

    // A function calling back into Lambda sends its trace header (the SDK adds X-Amzn-Trace-Id).
    const withTrace = (count: number) => {
      const c = lambdaClient(emulator());
      c.middlewareStack.add((next) => async (args: any) => {
        args.request.headers['x-amzn-trace-id'] = `Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0;Lineage=abcd1234:${count}`;
        return next(args);
      }, { step: 'build' });
      return c;
    };
    const fifteenth = withTrace(15);
    const sixteenth = withTrace(16);
    try {
      const ok = json((await fifteenth.send(new InvokeCommand({ FunctionName: name }))).Payload) as string;
      expect(ok).toMatch(/^Root=1-00000000-000000000000000000000000;.*Lineage=[0-9a-f]{8}:16$/);
      const err = await rejection(sixteenth.send(new InvokeCommand({ FunctionName: name })));
      expect(err.name).toBe('RecursiveInvocationException');
      await lambda().send(new PutFunctionRecursionConfigCommand({ FunctionName: name, RecursiveLoop: 'Allow' }));
      const allowed = json((await sixteenth.send(new InvokeCommand({ FunctionName: name }))).Payload) as string;
      expect(allowed).toMatch(/Lineage=[0-9a-f]{8}:17$/);
    } finally {
      fifteenth.destroy();
      sixteenth.destroy();
    }
  });
});

describe('Python', () => {
  const python = (() => {
    try {
      return execFileSync('python3', ['-c', 'import sys; print(sys.version_info[0])']).toString().trim() === '3';
    } catch {
      return false;
    }
  })();
  if (!python) console.log('python3 is not on PATH: skipping the Python function test');
  (python ? it : it.skip)('runs a python3 function', async () => {
    const name = uniqueName('py');
    await lambda().send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'python3.12',
        Handler: 'app.handler',
        Role: ROLE,
        Code: { ZipFile: makeZip({ 'app.py': 'def handler(event, context):\n    print("py says hi")\n    return {"sum": event["a"] + event["b"], "fn": context.function_name}\n' }) },
      }),
    );
    const out = await lambda().send(new InvokeCommand({ FunctionName: name, Payload: payload({ a: 2, b: 3 }), LogType: 'Tail' }));
    expect(out.FunctionError).toBeUndefined();
    expect(json(out.Payload)).toEqual({ sum: 5, fn: name });
    expect(Buffer.from(out.LogResult!, 'base64').toString('utf8')).toContain('py says hi');
  });
});
