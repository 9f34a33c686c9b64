import { spawnSync } from 'node:child_process';
import { RuntimePool } from '../../emulator/lambda/runtime';
import { event, json, removeTempDirs, spec, writeCode } from './helpers';

const probe = spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 8)'], { encoding: 'utf8' });
const hasPython = probe.status === 0;
if (!hasPython) {
  // eslint-disable-next-line no-console
  console.warn(`Python runtime tests skipped: python3 (>= 3.8) is not available (${probe.error?.message ?? probe.stderr})`);
}
const pythonTest = hasPython ? test : test.skip;

const pool = new RuntimePool({ endpointUrl: 'http://127.0.0.1:4566' });

afterAll(async () => {
  await pool.close();
  removeTempDirs();
});

const py = (overrides: Parameters<typeof spec>[1] = {}) => ({ runtime: 'python3.12', handler: 'app.handler', ...overrides });

describe('Python runtime', () => {
  pythonTest('a module.func handler gets the event and a context; logging and print reach the log', async () => {
    const dir = writeCode({
      'app.py': [
        'import logging, os',
        'logger = logging.getLogger()',
        'logger.setLevel(logging.INFO)',
        'def handler(event, context):',
        '    logger.info("got %s", event["n"])',
        '    print("plain print")',
        '    return {',
        '        "n": event["n"] + 1,',
        '        "pid": os.getpid(),',
        '        "request_id": context.aws_request_id,',
        '        "function_name": context.function_name,',
        '        "memory": context.memory_limit_in_mb,',
        '        "arn": context.invoked_function_arn,',
        '        "group": context.log_group_name,',
        '        "stream": context.log_stream_name,',
        '        "remaining": context.get_remaining_time_in_millis(),',
        '        "exec_env": os.environ["AWS_EXECUTION_ENV"],',
        '        "secret": os.environ.get("GITHUB_TOKEN"),',
        '    }',
      ].join('\n'),
    });
    const saved = process.env.GITHUB_TOKEN;
    process.env.GITHUB_TOKEN = 'ghp_python_leak';
    try {
      const s = spec(dir, py({ memorySizeMb: 256 }));
      const r = await pool.invoke(s, event({ n: 1 }), { requestId: 'py-req-1' });
      expect(r.functionError).toBeUndefined();
      const body = json(r.payload);
      expect(body).toMatchObject({
        n: 2,
        request_id: 'py-req-1',
        function_name: s.functionName,
        memory: '256',
        arn: s.functionArn,
        group: `/aws/lambda/${s.functionName}`,
        exec_env: 'AWS_Lambda_python3.12',
        secret: null,
      });
      expect(body.remaining).toBeGreaterThan(0);
      expect(r.logTail).toMatch(/^\[INFO\]\t\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\tpy-req-1\tgot 1$/m);
      expect(r.logTail).toContain('\nplain print\n');
      expect(r.logTail).toMatch(/START RequestId: py-req-1[\s\S]*END RequestId: py-req-1\nREPORT RequestId: py-req-1\t/);

      const again = await pool.invoke(s, event({ n: 5 }));
      expect(json(again.payload)).toMatchObject({ n: 6, pid: body.pid });
    } finally {
      if (saved === undefined) delete process.env.GITHUB_TOKEN;
      else process.env.GITHUB_TOKEN = saved;
    }
  });

  pythonTest('an exception is an Unhandled error with errorType, errorMessage and stackTrace', async () => {
    const dir = writeCode({
      'pkg/__init__.py': '',
      'pkg/orders.py': 'def handle(event, context):\n    raise ValueError("order %s is invalid" % event["id"])\n',
    });
    const r = await pool.invoke(spec(dir, py({ handler: 'pkg/orders.handle' })), event({ id: 9 }), { requestId: 'py-err' });
    expect(r.functionError).toBe('Unhandled');
    const body = json(r.payload);
    expect(body).toMatchObject({ errorType: 'ValueError', errorMessage: 'order 9 is invalid', requestId: 'py-err' });
    expect(body.stackTrace.join('')).toContain('orders.py');
    expect(r.logTail).toMatch(/\[ERROR\] ValueError: order 9 is invalid\nTraceback \(most recent call last\):/);
  });

  pythonTest('a missing module is Runtime.ImportModuleError', async () => {
    const r = await pool.invoke(spec(writeCode({ 'other.py': '' }), py()), event({}));
    expect(json(r.payload)).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Unable to import module 'app': No module named 'app'",
    });
  });

  test('a missing interpreter is a clear InvalidRuntimeException naming it', async () => {
    const noPython = new RuntimePool({ endpointUrl: 'http://127.0.0.1:4566', pythonPath: 'python3-that-does-not-exist' });
    try {
      const dir = writeCode({ 'app.py': 'def handler(e, c):\n    return 1\n' });
      const err = await noPython.invoke(spec(dir, py()), event({})).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'InvalidRuntimeException', status: 502 });
      expect((err as Error).message).toContain('"python3-that-does-not-exist" was not found on PATH');
      expect((err as Error).message).toContain('python3.12');
      expect(noPython.concurrencyInUse()).toBe(0);
    } finally {
      await noPython.close();
    }
  });
});
