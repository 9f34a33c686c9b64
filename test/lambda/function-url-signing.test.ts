import http from 'node:http';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { CreateFunctionUrlConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { useEmulator } from '../helpers/emulator';
import { deployNode, uniqueName } from './helpers';

/*
 * A function URL with AuthType AWS_IAM, with signatures verified, checked the signature against the configured
 * keys only: a request signed with an IAM user's access key or STS temporary credentials got 403, though every
 * API call with them passed. The URL now asks for the signing secret the way the API endpoint does.
 */
const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' };
const emulator = useEmulator({ verifySignatures: true, credentials: { [ADMIN.accessKeyId]: ADMIN.secretAccessKey }, timeScale: 0.001 });

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const config = (credentials: Keys) => ({ endpoint: emulator().endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

const ECHO = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });`;

/** GET / on the URL, signed as a client of the `lambda` service signs it. */
async function signedGet(url: string, credentials: Keys): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials, sha256: Sha256 });
  const signed = await signer.sign(new HttpRequest({ method: 'GET', protocol: 'http:', hostname, port: Number(port), path: '/', headers: { host: `${hostname}:${port}` } }));
  const endpoint = new URL(emulator().endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: endpoint.hostname, port: endpoint.port, path: '/', method: 'GET', headers: signed.headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

it("accepts an IAM user's active key and STS session credentials, and refuses a deactivated key", async () => {
  const lambda = new LambdaClient(config(ADMIN));
  const iam = new IAMClient(config(ADMIN));
  try {
    const name = uniqueName('iam-url');
    await deployNode(lambda, name, ECHO);
    const { FunctionUrl: url } = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'AWS_IAM' }));

    await iam.send(new CreateUserCommand({ UserName: 'caller' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'caller' }))).AccessKey!;
    const userKeys = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };

    const asUser = await signedGet(url!, userKeys);
    expect(asUser.status).toBe(200);
    expect(JSON.parse(asUser.text).iam.accessKey).toBe(userKeys.accessKeyId);

    const sts = new STSClient(config(userKeys));
    const session = (await sts.send(new GetSessionTokenCommand({}))).Credentials!;
    sts.destroy();
    const asSession = await signedGet(url!, { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! });
    expect(asSession.status).toBe(200);

    expect((await signedGet(url!, { ...userKeys, secretAccessKey: 'wrong' })).status).toBe(403);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'caller', AccessKeyId: userKeys.accessKeyId, Status: 'Inactive' }));
    expect((await signedGet(url!, userKeys)).status).toBe(403);
    expect((await signedGet(url!, ADMIN)).status).toBe(200);
  } finally {
    lambda.destroy();
    iam.destroy();
  }
});
