import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { skipBecause } from '../helpers/cli';
import { clientConfig } from '../helpers/emulator';
import { deployNode } from '../lambda/helpers';
import { ensureStopped, errorOf, makeZip, spawnCli, statusOf, uniqueName, type CliProcess, type ZipEntry } from './helpers';

/**
 * What must not cross the emulator's boundaries: deployment packages stay in their task root, object keys
 * never become file paths, function processes see Lambda's environment and not the host's, the server listens
 * on loopback unless told otherwise (and says so when told), signatures are checked for S3 too when asked,
 * and the harness never touches real AWS unless explicitly allowed.
 *
 * Most checks run against `serve` as a child process, with TMPDIR and the working directory pointed at folders
 * of this test: there, "nothing was written outside" can be checked exhaustively, and the host environment
 * the child inherits is real (jest gives each test file a copy of process.env, which child processes started
 * without an explicit env would not see).
 */

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const HOST_SECRETS = { AWS_SECRET_ACCESS_KEY: 'host-secret', GITHUB_TOKEN: 'ghp_host_token_must_not_leak' };

/** Every path under `dir` (files, folders and links), relative to it. */
function walk(dir: string, out: string[] = [], base = dir): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(path.relative(base, p));
    if (e.isDirectory()) walk(p, out, base);
  }
  return out;
}

/** This machine's first non-loopback IPv4 address, if it has one. */
const externalAddress = (): string | undefined =>
  Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/** Whether a TCP connection to host:port is accepted (refused or unanswered within 5 s: false). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 5_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

const sdkConfig = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

describe('against `serve` with its own TMPDIR and working directory', () => {
  let scratch: string;
  let tmp: string;
  let cwd: string;
  let serve: CliProcess;
  let endpoint: string;
  let lambda: LambdaClient;
  let s3: S3Client;

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'isolation-'));
    tmp = path.join(scratch, 'tmp');
    cwd = path.join(scratch, 'a', 'b', 'work');
    fs.mkdirSync(tmp, { recursive: true });
    fs.mkdirSync(cwd, { recursive: true });
    serve = spawnCli(['serve', '--port', '0'], { cwd, env: { TMPDIR: tmp, ...HOST_SECRETS } });
    endpoint = await serve.ready();
    lambda = new LambdaClient(sdkConfig(endpoint));
    s3 = new S3Client({ ...sdkConfig(endpoint), forcePathStyle: true });
  }, 90_000);

  afterAll(async () => {
    lambda?.destroy();
    s3?.destroy();
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGINT');
      await waitFor(() => serve.child.exitCode !== null || serve.child.signalCode !== null, { timeoutMs: 20_000, what: 'serve to stop' }).catch(() => undefined);
    }
    await ensureStopped(serve); // SIGKILL if SIGINT was not enough
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 by default (not reachable on the machine\'s other addresses) and warns about nothing', async () => {
    const url = new URL(endpoint);
    expect(url.hostname).toBe('127.0.0.1');
    expect(serve.stderr()).not.toMatch(/warning/i);
    expect(await accepts('127.0.0.1', Number(url.port))).toBe(true);
    const external = externalAddress();
    if (external) expect(await accepts(external, Number(url.port))).toBe(false);
    else skipBecause('no non-loopback IPv4 address on this machine: only the printed address is checked');
  });

  describe('deployment packages', () => {
    const marker = `zipslip${process.pid}`;
    const index = { name: 'index.js', content: 'exports.handler = async () => "ok";' };
    const hostile: [string, ZipEntry[], RegExp][] = [
      ['a ../ entry', [index, { name: `../${marker}-up.js`, content: 'x' }], /climbs out/],
      ['a deeper ../ entry', [index, { name: `lib/../../../${marker}-deep.js`, content: 'x' }], /climbs out/],
      ['an absolute entry', [index, { name: `/tmp/${marker}-abs.js`, content: 'x' }], /absolute path/],
      ['a symlink out of the task root', [index, { name: `${marker}-link`, symlink: '../../../../etc' }], /symlink/],
      ['a file written through a symlink', [index, { name: 'out', symlink: os.tmpdir() }, { name: `out/${marker}-through.js`, content: 'x' }], /symlink/],
    ];

    it.each(hostile)('CreateFunction refuses %s (InvalidParameterValueException), writing nothing', async (_what, entries, why) => {
      const before = walk(tmp).filter((p) => p.startsWith('lambda-code-'));
      const err = await errorOf(() =>
        lambda.send(
          new CreateFunctionCommand({ FunctionName: uniqueName('zipslip'), Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: makeZip(entries) } }),
        ),
      );
      expect(err.name).toBe('InvalidParameterValueException');
      expect(statusOf(err)).toBe(400);
      expect(err.message).toMatch(why);
      // Nothing named after the hostile entries anywhere in the child's TMPDIR, working directory, or the paths they aim at.
      for (const root of [scratch, path.dirname(scratch)]) {
        expect(fs.readdirSync(root).filter((n) => n.includes(marker))).toEqual([]);
      }
      expect(walk(scratch).filter((p) => p.includes(marker))).toEqual([]);
      expect(fs.existsSync(`/tmp/${marker}-abs.js`)).toBe(false);
      // The half-extracted task root is gone too.
      expect(walk(tmp).filter((p) => p.startsWith('lambda-code-') && !p.includes(path.sep))).toEqual(before.filter((p) => !p.includes(path.sep)));
    });
  });

  describe('object keys', () => {
    const marker = `objkey${process.pid}`;
    const keys = ['../../etc/x', '/abs', 'a\u0000b', `../../etc/x-${marker}`, `/abs-${marker}`, `a\u0000b-${marker}`, `../${marker}/../../up`, `${marker}/./..//x`];

    it('are stored, read and listed as plain keys, whatever they look like as paths', async () => {
      const bucket = uniqueName('keys');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `value of ${JSON.stringify(Key)}` }));
      for (const Key of keys) {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        expect(await got.Body!.transformToString()).toBe(`value of ${JSON.stringify(Key)}`);
      }
      // URL encoding in the listing: a NUL cannot travel in XML 1.0 otherwise.
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: 'url' }));
      const names = (listed.Contents ?? []).map((c) => decodeURIComponent(c.Key!.replace(/\+/g, ' ')));
      expect(names.sort()).toEqual([...keys].sort());
    });

    it('never reach the filesystem: no file named after them under TMPDIR, the working directory or where they point', () => {
      expect(walk(scratch).filter((p) => p.includes(marker))).toEqual([]);
      expect(fs.readdirSync(path.dirname(scratch)).filter((n) => n.includes(marker))).toEqual([]);
      for (const p of [`/etc/x-${marker}`, `/abs-${marker}`, path.resolve(cwd, `../../etc/x-${marker}`), path.resolve(cwd, '../../etc/x'), path.resolve(tmp, '../../etc/x')]) {
        expect(fs.existsSync(p)).toBe(false);
      }
      expect(walk(cwd)).toEqual([]);
    });
  });

  it('function processes get Lambda\'s environment: the host\'s secrets do not leak into them', async () => {
    const name = uniqueName('env');
    await deployNode(lambda, name, 'exports.handler = async () => ({ ...process.env });');
    const out = await lambda.send(new InvokeCommand({ FunctionName: name }));
    expect(out.FunctionError).toBeUndefined();
    const env = JSON.parse(Buffer.from(out.Payload!).toString('utf8')) as Record<string, string>;
    expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe(name);
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect(env.AWS_SECRET_ACCESS_KEY).not.toBe(HOST_SECRETS.AWS_SECRET_ACCESS_KEY);
    expect(JSON.stringify(env)).not.toContain(HOST_SECRETS.AWS_SECRET_ACCESS_KEY);
    expect(JSON.stringify(env)).not.toContain(HOST_SECRETS.GITHUB_TOKEN);
    expect(env.TMPDIR ?? '').not.toBe(tmp);
  }, 60_000);
});

describe('in process', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, log: () => {} });
  });
  afterAll(() => emu.stop());

  it('binds 127.0.0.1 by default', async () => {
    expect(emu.host).toBe('127.0.0.1');
    expect(new URL(emu.endpoint).hostname).toBe('127.0.0.1');
    const external = externalAddress();
    if (external) expect(await accepts(external, emu.port)).toBe(false);
  });

  it('function processes do not see secrets set in the test process (see also test/lambda-runtime/node-runtime.test.ts)', async () => {
    const saved = { secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.GITHUB_TOKEN };
    process.env.AWS_SECRET_ACCESS_KEY = 'host-secret';
    process.env.GITHUB_TOKEN = 'ghp_test_process_token';
    const lambda = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
    try {
      const name = uniqueName('env-in-process');
      await deployNode(lambda, name, 'exports.handler = async () => ({ ...process.env });');
      const env = JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString('utf8'));
      expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe(name);
      expect(env.GITHUB_TOKEN).toBeUndefined();
      expect(env.AWS_SECRET_ACCESS_KEY).not.toBe('host-secret');
      expect(JSON.stringify(env)).not.toMatch(/host-secret|ghp_test_process_token/);
    } finally {
      lambda.destroy();
      for (const [k, v] of [['AWS_SECRET_ACCESS_KEY', saved.secret], ['GITHUB_TOKEN', saved.token]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 60_000);
});

describe('serve --host 0.0.0.0', () => {
  let serve: CliProcess | undefined;
  afterEach(() => ensureStopped(serve));

  it('warns on stderr that the emulator is exposed to the network', async () => {
    serve = spawnCli(['serve', '--host', '0.0.0.0', '--port', '0']);
    const url = await serve.ready();
    expect(serve.stderr()).toMatch(/^warning: binding 0\.0\.0\.0 exposes the emulator to every network/m);
    // The printed endpoint is still one a local client can use; and it is reachable from elsewhere, as warned.
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect((await fetch(`${url}/_harness/health`)).status).toBe(200);
    const external = externalAddress();
    if (external) expect(await accepts(external, Number(new URL(url).port))).toBe(true);
    serve.child.kill('SIGINT');
    expect((await serve.exited).code).toBe(0);
  }, 90_000);
});

describe('--verify-signatures for S3', () => {
  let emu: RunningEmulator;
  const bucket = 'signed-bucket';
  const client = (accessKeyId: string, secretAccessKey: string) =>
    new S3Client({ endpoint: emu.endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, forcePathStyle: true, maxAttempts: 1 });

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, log: () => {}, verifySignatures: true, credentials: { AKIDHARNESS: 'right-secret' } });
    const s3 = client('AKIDHARNESS', 'right-secret');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/hello world.txt', Body: 'hello' }));
    s3.destroy();
  });
  afterAll(() => emu.stop());

  it('accepts correctly signed requests (200)', async () => {
    const s3 = client('AKIDHARNESS', 'right-secret');
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/signed upload.txt', Body: 'signed' }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/signed upload.txt' }));
    expect(await got.Body!.transformToString()).toBe('signed');
  });

  it('answers SignatureDoesNotMatch (403) for a wrong secret', async () => {
    const err = await errorOf(() => client('AKIDHARNESS', 'wrong-secret').send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' })));
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(statusOf(err)).toBe(403);
    expect(err.message).toBe('The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    const get = await errorOf(() => client('AKIDHARNESS', 'wrong-secret').send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/hello world.txt' })));
    expect(get.name).toBe('SignatureDoesNotMatch');
  });

  it('answers InvalidAccessKeyId (403) for an unknown access key', async () => {
    const err = await errorOf(() => client('AKIDUNKNOWN', 'whatever').send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/hello world.txt' })));
    expect(err.name).toBe('InvalidAccessKeyId');
    expect(statusOf(err)).toBe(403);
    expect(err.message).toBe('The AWS Access Key Id you provided does not exist in our records.');
    expect(err).toMatchObject({ AWSAccessKeyId: 'AKIDUNKNOWN' });
  });

  /** A streaming body the SDK sends aws-chunked (with a trailing checksum); the signed headers are captured. */
  async function streamingPut(s3: S3Client, Key: string, parts: string[]): Promise<Record<string, string>> {
    let sent: Record<string, string> = {};
    s3.middlewareStack.add(
      (next) => async (args) => {
        sent = { ...((args.request as { headers: Record<string, string> }).headers ?? {}) };
        return next(args);
      },
      { step: 'deserialize', name: 'captureSignedHeaders' },
    );
    const ContentLength = parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Readable.from(parts.map((p) => Buffer.from(p))), ContentLength }));
    return sent;
  }

  it('accepts a correctly signed streaming (aws-chunked) upload, and refuses one signed with a wrong secret', async () => {
    const parts = ['first chunk, ', 'second chunk, ', 'x'.repeat(70_000)];
    const headers = await streamingPut(client('AKIDHARNESS', 'right-secret'), 'streamed.txt', parts);
    expect(headers['content-encoding'] ?? '').toContain('aws-chunked');
    expect(headers['x-amz-content-sha256']).toMatch(/^STREAMING-/);
    const got = await client('AKIDHARNESS', 'right-secret').send(new GetObjectCommand({ Bucket: bucket, Key: 'streamed.txt' }));
    expect(await got.Body!.transformToString()).toBe(parts.join(''));

    // (The SDK warns on the console when a streaming request fails; that is the expected outcome here.)
    const quiet = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const err = await errorOf(() => streamingPut(client('AKIDHARNESS', 'wrong-secret'), 'streamed-wrong.txt', parts)).finally(() => quiet.mockRestore());
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(statusOf(err)).toBe(403);
  });

  /**
   * A presigned GET URL, made as @aws-sdk/s3-request-presigner makes it (that package is not installed here):
   * SignatureV4.presign over the request, S3's path left as encoded, payload UNSIGNED-PAYLOAD.
   */
  async function presignedGet(key: string, secretAccessKey: string, accessKeyId = 'AKIDHARNESS', signingDate = new Date()): Promise<string> {
    const base = new URL(emu.endpoint);
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, sha256: Sha256, uriEscapePath: false });
    const request = new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: base.hostname,
      port: Number(base.port),
      path: `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
      headers: { host: base.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const signed = await signer.presign(request, { expiresIn: 900, signingDate });
    const query = Object.entries(signed.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return `${emu.endpoint}${signed.path}?${query}`;
  }

  it('serves a presigned GET URL signed with the right secret, and refuses a tampered or wrongly signed one (403)', async () => {
    const url = await presignedGet('dir/hello world.txt', 'right-secret');
    expect(url).toContain('X-Amz-Signature=');
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('hello');

    const wrong = await fetch(await presignedGet('dir/hello world.txt', 'wrong-secret'));
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

    const tampered = await fetch(url.replace('hello%20world', 'other'));
    expect(tampered.status).toBe(403);

    const unknown = await fetch(await presignedGet('dir/hello world.txt', 'x', 'AKIDUNKNOWN'));
    expect(unknown.status).toBe(403);
    expect(await unknown.text()).toContain('<Code>InvalidAccessKeyId</Code>');
  });

  it('refuses a presigned URL past its expiry (403 AccessDenied "Request has expired", with S3\'s X-Amz-Expires, Expires and ServerTime)', async () => {
    const signedAt = new Date(emu.clock.now() - 3_600_000);
    const url = await presignedGet('dir/hello world.txt', 'right-secret', 'AKIDHARNESS', signedAt);
    const res = await fetch(url);
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain('<Message>Request has expired</Message>');
    const expiresAt = new Date(Math.floor(signedAt.getTime() / 1000) * 1000 + 900_000).toISOString().replace('.000Z', 'Z');
    expect(body).toContain(`<X-Amz-Expires>900</X-Amz-Expires><Expires>${expiresAt}</Expires><ServerTime>`);
    expect(body).toMatch(/<ServerTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/ServerTime><RequestId>/);
  });
});

describe('real AWS only with --allow-aws', () => {
  let logDir: string;
  beforeAll(() => {
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'no-network-'));
  });
  afterAll(() => fs.rmSync(logDir, { recursive: true, force: true }));

  it.each([
    ['deploy --endpoint aws', ['deploy', '--endpoint', 'aws'], /refusing to use real AWS \(aws\) without --allow-aws and --prefix <name>/],
    ['deploy --endpoint aws --allow-aws (no prefix)', ['deploy', '--endpoint', 'aws', '--allow-aws'], /refusing to use real AWS \(aws\) without --allow-aws and --prefix <name>/],
    ['deploy to an amazonaws.com URL', ['deploy', '--endpoint', 'https://sqs.us-east-1.amazonaws.com', '--prefix', 'ci'], /refusing to use real AWS .*without --allow-aws/],
    ['deploy with no endpoint at all', ['deploy'], /no endpoint URL given/],
    ['teardown --endpoint aws', ['teardown', '--endpoint', 'aws', '--prefix', 'ci'], /refusing to use real AWS \(aws\) without --allow-aws/],
  ])('%s exits non-zero with a clear message, without any network call', async (_what, args, message) => {
    const log = path.join(logDir, `${uniqueName('log')}.txt`);
    const cli = spawnCli(args, {
      nodeArgs: ['-r', path.join(__dirname, 'fixtures', 'no-network.cjs')],
      // Real-looking credentials must not tempt it either; no endpoint from the environment.
      env: { NO_NETWORK_LOG: log, AWS_ACCESS_KEY_ID: 'AKIAREALLOOKING', AWS_SECRET_ACCESS_KEY: 'real-looking-secret', HARNESS_ENDPOINT: '' },
    });
    const { code } = await cli.exited;
    expect(code).not.toBe(0);
    expect(cli.stderr()).toMatch(message);
    expect(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '').toBe('');
  }, 60_000);

  it('(control) the guard does see a connection attempt when the CLI makes one', async () => {
    const log = path.join(logDir, `${uniqueName('log')}.txt`);
    const cli = spawnCli(['deploy', '--endpoint', 'http://127.0.0.1:9', '--prefix', 'ci'], {
      nodeArgs: ['-r', path.join(__dirname, 'fixtures', 'no-network.cjs')],
      env: { NO_NETWORK_LOG: log },
    });
    expect((await cli.exited).code).not.toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toContain('connect 127.0.0.1:9');
  }, 60_000);
});
