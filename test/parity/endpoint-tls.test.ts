import { spawnSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { createClients } from '../../deploy-scripts/clients';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { endpointBackend, httpsAgentForCa, type EndpointConnection } from '../../harness/backends/endpoint';

/**
 * An HTTPS endpoint with its own CA, as AWS Emulator serves (https://127.0.0.1:9297, ca.pem in
 * ~/.aws/emulator/9297/): a CA and a server certificate made here with openssl, an HTTPS proxy in front of
 * an in-process emulator. With the CA (--ca-file / HARNESS_CA_FILE, or NODE_EXTRA_CA_CERTS) the SDK's calls
 * succeed; without it they fail — verification is never turned off.
 */
const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const missing = openssl.error ? `openssl is not installed (${(openssl.error as NodeJS.ErrnoException).code})` : undefined;
if (missing) console.log(`[skipped] HTTPS endpoint tests: ${missing}`);
const describeIfOpenssl = missing ? describe.skip : describe;

const ROOT = path.resolve(__dirname, '..', '..');
// The harness's clients take the endpoint's agent once deploy-scripts/clients.ts hands `tls.httpsAgent` to them.
const clientsTakeTls = /httpsAgent/.test(readFileSync(path.join(ROOT, 'deploy-scripts', 'clients.ts'), 'utf8'));
if (!clientsTakeTls) console.log('[skipped] --ca-file through the harness clients: deploy-scripts/clients.ts does not pass connection.tls.httpsAgent to the SDK clients yet (NODE_EXTRA_CA_CERTS works meanwhile)');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=s3-event-harness test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { ca: path.join(dir, 'ca.pem'), key: path.join(dir, 'server.key'), cert: path.join(dir, 'server.pem') };
}

/** TLS in front of the emulator: every request forwarded as it came. */
function httpsProxy(target: string, tls: { key: Buffer; cert: Buffer }): Promise<https.Server> {
  const upstream = new URL(target);
  const server = https.createServer(tls, (req, res) => {
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => {
      res.writeHead(502);
      res.end(e.message);
    });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const s3 = (endpoint: string, extra: Record<string, unknown> = {}) => new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1, ...extra });

describeIfOpenssl('an HTTPS endpoint with its own CA', () => {
  let emu: RunningEmulator;
  let proxy: https.Server;
  let url: string;
  let certs: { ca: string; key: string; cert: string };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seh-tls-'));

  beforeAll(async () => {
    certs = makeCertificates(dir);
    emu = await startEmulator({ port: 0 });
    proxy = await httpsProxy(emu.endpoint, { key: readFileSync(certs.key), cert: readFileSync(certs.cert) });
    url = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
    await emu?.stop();
  });

  it('with --ca-file: identifies the endpoint and the SDK calls succeed', async () => {
    const connection = (await endpointBackend({ url, caFile: certs.ca, env: {} }).start()) as EndpointConnection;
    expect(connection.description).toBe(`s3-event-harness emulator at ${url} (trusting CA ${certs.ca})`);
    expect(connection.capabilities.reset).toBe(true);
    expect(connection.tls?.caFile).toBe(certs.ca);
    const client = s3(connection.endpoint!, { requestHandler: { httpsAgent: connection.tls!.httpsAgent } });
    await client.send(new CreateBucketCommand({ Bucket: 'tls-bucket' }));
    const { Buckets } = await client.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toContain('tls-bucket');
    client.destroy();
  });

  (clientsTakeTls ? it : it.skip)('with --ca-file: the harness clients (createClients) trust it too', async () => {
    const connection = (await endpointBackend({ url, caFile: certs.ca, env: {} }).start()) as EndpointConnection;
    const clients = createClients(connection);
    try {
      await clients.s3.send(new CreateBucketCommand({ Bucket: 'tls-clients' }));
      expect((await clients.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain('tls-clients');
    } finally {
      clients.destroy();
    }
  });

  it('takes the CA file from HARNESS_CA_FILE too', async () => {
    const connection = (await endpointBackend({ url, env: { HARNESS_CA_FILE: certs.ca } }).start()) as EndpointConnection;
    expect(connection.tls?.caFile).toBe(certs.ca);
    expect(connection.description).toContain('s3-event-harness emulator');
  });

  it('without the CA: the endpoint is not trusted and the SDK call fails', async () => {
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
    const connection = (await endpointBackend({ url, env: {} }).start()) as EndpointConnection;
    // Its health route could not be read over an untrusted connection: a plain endpoint, no capabilities.
    expect(connection.description).toBe(`endpoint at ${url}`);
    expect(connection.tls).toBeUndefined();
    const client = s3(connection.endpoint!);
    await expect(client.send(new ListBucketsCommand({}))).rejects.toThrow(/certificate|self[- ]signed|unable to verify/i);
    client.destroy();
  });

  it('the CA does not leak: another agent still refuses the endpoint', async () => {
    httpsAgentForCa(certs.ca); // building one changes nothing global
    const client = s3(url, { requestHandler: { httpsAgent: new https.Agent() } });
    await expect(client.send(new ListBucketsCommand({}))).rejects.toThrow(/certificate|self[- ]signed|unable to verify/i);
    client.destroy();
  });

  it('says what is wrong with a CA file it cannot use', () => {
    expect(() => httpsAgentForCa(path.join(dir, 'absent.pem'))).toThrow(/cannot read the CA file .*absent\.pem/);
    expect(() => httpsAgentForCa(certs.key)).toThrow(/holds no PEM certificate/);
  });

  // The harness's own clients (deploy-scripts/clients.ts) through NODE_EXTRA_CA_CERTS, which Node reads at start.
  it('NODE_EXTRA_CA_CERTS makes the harness clients trust it, in a fresh process', async () => {
    const script = `
      const { createClients } = require(${JSON.stringify(path.join(ROOT, 'deploy-scripts', 'clients.ts'))});
      const { ListBucketsCommand } = require('@aws-sdk/client-s3');
      const c = createClients({ endpoint: ${JSON.stringify(url)}, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      c.s3.send(new ListBucketsCommand({})).then(
        (r) => { console.log('ok ' + r.Buckets.length); process.exit(0); },
        (e) => { console.log('error ' + e.message); process.exit(1); });`;
    const run = (env: NodeJS.ProcessEnv) =>
      promisify(execFile)(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, timeout: 60_000 }).then(
        (r) => r.stdout,
        (e: { stdout?: string }) => e.stdout ?? '',
      );
    expect(await run({ NODE_EXTRA_CA_CERTS: certs.ca })).toMatch(/^ok \d+/m);
    expect(await run({})).toMatch(/^error .*(certificate|self[- ]signed|unable to verify)/im);
  }, 120_000);
});
