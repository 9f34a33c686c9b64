import http from 'node:http';
import {
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ListFunctionUrlConfigsCommand,
  PublishVersionCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, recordHops, rejection, uniqueName } from './helpers';

/** Function URLs: the configuration operations, and serving them over HTTP (by Host and by path). */

const emulator = useEmulator({ timeScale: 0.001 });
let client: LambdaClient | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
afterAll(() => client?.destroy());

/** Answers with the event it received, as a proper HTTP response. */
const ECHO = `exports.handler = async (event, context) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ event, version: context.functionVersion }),
});`;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** A request with any Host header (fetch cannot set Host). */
function request(path: string, init: { host?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  const endpoint = new URL(emulator().endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        path,
        method: init.method ?? 'GET',
        headers: { ...(init.host ? { host: init.host } : {}), ...(init.headers ?? {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The Host header of a function URL (its hostname and port). */
const hostOf = (functionUrl: string): string => new URL(functionUrl).host;
const urlIdOf = (functionUrl: string): string => new URL(functionUrl).hostname.split('.')[0]!;

async function urlFor(source: string, extra: Partial<ConstructorParameters<typeof CreateFunctionUrlConfigCommand>[0]> = {}) {
  const name = uniqueName('url');
  const arn = await deployNode(lambda(), name, source);
  const out = await lambda().send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', ...extra }));
  return { name, arn, url: out.FunctionUrl!, out };
}

describe('function URL configuration', () => {
  it('creates, reads, updates, lists and deletes a URL as AWS answers', async () => {
    const { name, arn, url, out } = await urlFor(ECHO, { Cors: { AllowOrigins: ['https://example.com'], MaxAge: 60 } });
    expect(url).toMatch(new RegExp(`^http://[a-z0-9]{32}\\.lambda-url\\.us-east-1\\.localhost:${emulator().port}/$`));
    expect(out.FunctionArn).toBe(arn);
    expect(out.AuthType).toBe('NONE');
    expect(out.InvokeMode).toBe('BUFFERED');
    expect(out.CreationTime).toEqual(expect.any(String));

    const got = await lambda().send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    expect(got).toMatchObject({ FunctionUrl: url, AuthType: 'NONE', Cors: { AllowOrigins: ['https://example.com'], MaxAge: 60 } });
    expect(got.LastModifiedTime).toEqual(expect.any(String));

    const again = await rejection(lambda().send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' })));
    expect(again.name).toBe('ResourceConflictException');
    expect(again.message).toBe(`Failed to create function url config for [functionArn = ${arn}]. Error message:  FunctionUrlConfig exists for this Lambda function`);

    const updated = await lambda().send(new UpdateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM' }));
    expect(updated).toMatchObject({ FunctionUrl: url, AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM', Cors: { MaxAge: 60 } });

    const listed = await lambda().send(new ListFunctionUrlConfigsCommand({ FunctionName: name }));
    expect(listed.FunctionUrlConfigs!.map((c) => c.FunctionUrl)).toEqual([url]);

    await lambda().send(new DeleteFunctionUrlConfigCommand({ FunctionName: name }));
    const gone = await rejection(lambda().send(new GetFunctionUrlConfigCommand({ FunctionName: name })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.message).toBe('The resource you requested does not exist.');
    expect((await request('/', { host: hostOf(url) })).status).toBe(404);
  });

  it('takes an alias as qualifier, never a version number; the alias URL runs the alias version', async () => {
    const { name, arn } = await urlFor(ECHO);
    await lambda().send(new PublishVersionCommand({ FunctionName: name }));
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    const aliasUrl = await lambda().send(new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: 'live', AuthType: 'NONE' }));
    expect(aliasUrl.FunctionArn).toBe(`${arn}:live`);

    // `$LATEST` (the API's pattern allows it; Terraform documents it) names the unqualified function's URL.
    const viaLatest = await lambda().send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: '$LATEST' }));
    expect(viaLatest.FunctionUrl).toBe((await lambda().send(new GetFunctionUrlConfigCommand({ FunctionName: name }))).FunctionUrl);
    const latestAgain = await rejection(lambda().send(new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: '$LATEST', AuthType: 'NONE' })));
    expect(latestAgain.name).toBe('ResourceConflictException');
    const numeric = await rejection(lambda().send(new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: '1', AuthType: 'NONE' })));
    expect(numeric.name).toBe('ValidationException');
    const noAlias = await rejection(lambda().send(new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: 'nope', AuthType: 'NONE' })));
    expect(noAlias.name).toBe('ResourceNotFoundException');
    const badAuth = await rejection(lambda().send(new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: 'live', AuthType: 'OPEN' as 'NONE' })));
    expect(badAuth.name).toBe('ValidationException');

    const res = await request('/x', { host: hostOf(aliasUrl.FunctionUrl!) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).version).toBe('1');

    const listed = await lambda().send(new ListFunctionUrlConfigsCommand({ FunctionName: name }));
    expect(listed.FunctionUrlConfigs!.map((c) => c.FunctionArn).sort()).toEqual([arn, `${arn}:live`]);
    // Deleting the alias deletes its URL.
    await lambda().send(new DeleteAliasCommand({ FunctionName: name, Name: 'live' }));
    expect((await lambda().send(new ListFunctionUrlConfigsCommand({ FunctionName: name }))).FunctionUrlConfigs).toHaveLength(1);
  });
});

describe('serving a function URL', () => {
  it('hands the function a payload format 2.0 event', async () => {
    const { url } = await urlFor(ECHO);
    const hops = recordHops(emulator());
    const res = await request('/items/42?a=1&b=two&a=3', {
      host: hostOf(url),
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'tester/1.0', Cookie: 'c1=v1; c2=v2', 'X-Custom': 'Yes' },
      body: '{"hello":"world"}',
    });
    hops.stop();
    expect(res.status).toBe(200);
    const { event } = JSON.parse(res.text);
    const urlId = urlIdOf(url);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/items/42',
      rawQueryString: 'a=1&b=two&a=3',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { a: '1,3', b: 'two' },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: 'anonymous',
        apiId: urlId,
        domainName: `${urlId}.lambda-url.us-east-1.localhost`,
        domainPrefix: urlId,
        http: { method: 'POST', path: '/items/42', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'tester/1.0' },
        routeKey: '$default',
        stage: '$default',
      },
    });
    expect(event.headers['x-custom']).toBe('Yes');
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.requestId).toBe(res.headers['x-amzn-requestid']);
    expect(event.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(typeof event.requestContext.timeEpoch).toBe('number');
    // The invocation went through the executor: it is in the trace as a URL invocation.
    expect(hops.hops.some((h) => h.type === 'lambda.invoke.end' && h.source === 'url')).toBe(true);
  });

  it('base64-encodes binary bodies and leaves out what the request did not have', async () => {
    const { url } = await urlFor(ECHO);
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const res = await request('/bin', { host: hostOf(url), method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
    const { event } = JSON.parse(res.text);
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, 'base64')).toEqual(bytes);

    const plain = JSON.parse((await request('/', { host: hostOf(url) })).text).event;
    expect(plain.body).toBeUndefined();
    expect(plain.cookies).toBeUndefined();
    expect(plain.queryStringParameters).toBeUndefined();
    expect(plain.rawQueryString).toBe('');
  });

  it('is reachable by path when the client cannot set Host', async () => {
    const { url } = await urlFor(ECHO);
    const res = await fetch(`${emulator().endpoint}/_harness/lambda-url/${urlIdOf(url)}/deep/path?x=1`, { method: 'POST', body: 'hi', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    const { event } = (await res.json()) as any;
    expect(event).toMatchObject({ rawPath: '/deep/path', rawQueryString: 'x=1', body: 'hi', isBase64Encoded: false });
  });

  it('maps what the function returns to the HTTP response as Lambda does', async () => {
    const full = await urlFor(`exports.handler = async () => ({
      statusCode: 201,
      headers: { 'X-Made': 'here', 'Content-Type': 'text/plain' },
      cookies: ['a=1; Path=/', 'b=2'],
      body: 'created',
    });`);
    const r1 = await request('/', { host: hostOf(full.url) });
    expect(r1.status).toBe(201);
    expect(r1.headers['x-made']).toBe('here');
    expect(r1.headers['content-type']).toBe('text/plain');
    expect(r1.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect(r1.text).toBe('created');

    const plainJson = await urlFor(`exports.handler = async () => ({ message: 'hi', n: [1, 2] });`);
    const r2 = await request('/', { host: hostOf(plainJson.url) });
    expect(r2.status).toBe(200);
    expect(r2.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r2.text)).toEqual({ message: 'hi', n: [1, 2] });

    const binary = await urlFor(`exports.handler = async () => ({ statusCode: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([137, 80, 78, 71]).toString('base64'), isBase64Encoded: true });`);
    const r3 = await request('/', { host: hostOf(binary.url) });
    expect([...r3.body]).toEqual([137, 80, 78, 71]);

    const failing = await urlFor(`exports.handler = async () => { throw new Error('boom'); };`);
    const r4 = await request('/', { host: hostOf(failing.url) });
    expect(r4.status).toBe(502);
    expect(r4.text).toBe('Internal Server Error');
  });

  it('AWS_IAM refuses unsigned requests and accepts signed ones', async () => {
    const { url } = await urlFor(ECHO, { AuthType: 'AWS_IAM' });
    const unsigned = await request('/', { host: hostOf(url) });
    expect(unsigned.status).toBe(403);
    expect(JSON.parse(unsigned.text)).toEqual({ Message: 'Forbidden' });

    const signed = await request('/', {
      host: hostOf(url),
      headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0' },
    });
    expect(signed.status).toBe(200);
    const { event } = JSON.parse(signed.text);
    expect(event.requestContext.authorizer.iam.accessKey).toBe('AKIDEXAMPLE');
    expect(event.requestContext.accountId).toBe('000000000000');
  });

  it('answers a CORS preflight from the configuration without invoking', async () => {
    const { name, url } = await urlFor(ECHO, {
      Cors: { AllowOrigins: ['https://app.example'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-token'], MaxAge: 300, ExposeHeaders: ['x-made'] },
    });
    const hops = recordHops(emulator());
    const pre = await request('/', {
      host: hostOf(url),
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    hops.stop();
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(pre.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(pre.headers['access-control-allow-headers']).toBe('x-token');
    expect(pre.headers['access-control-max-age']).toBe('300');
    expect(hops.of('lambda.invoke.start', name)).toHaveLength(0);

    const other = await request('/', { host: hostOf(url), method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const actual = await request('/', { host: hostOf(url), headers: { Origin: 'https://app.example' } });
    expect(actual.status).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(actual.headers['access-control-expose-headers']).toBe('x-made');
  });
});
