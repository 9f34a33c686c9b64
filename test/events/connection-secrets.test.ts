import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  DeauthorizeConnectionCommand,
  DeleteConnectionCommand,
  DescribeConnectionCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  UpdateConnectionCommand,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { DataDirStore } from '../../emulator/persistence/data-dir';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * A connection's credentials are kept, as on AWS, in a Secrets Manager secret EventBridge manages: created by
 * CreateConnection under `events!connection/<name>/<id>`, rewritten by UpdateConnection and DeauthorizeConnection,
 * deleted by DeleteConnection; readable by the account, not changeable through Secrets Manager.
 */
const emulator = useEmulator({ timeScale: 0.001 });
const events = () => new EventBridgeClient(clientConfig(emulator()));
const secrets = () => new SecretsManagerClient(clientConfig(emulator()));
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: { name: string; message: string }) => e);

const basic = (name: string, password = 'pa55') =>
  new CreateConnectionCommand({
    Name: name,
    AuthorizationType: 'BASIC',
    AuthParameters: {
      BasicAuthParameters: { Username: 'ann', Password: password },
      InvocationHttpParameters: { HeaderParameters: [{ Key: 'x-token', Value: 'hidden', IsValueSecret: true }, { Key: 'x-plain', Value: 'shown', IsValueSecret: false }] },
    },
  });

describe('connection secrets', () => {
  it('CreateConnection creates the secret its SecretArn names, holding the credentials, managed by events', async () => {
    await events().send(basic('sec-basic'));
    const { SecretArn } = await events().send(new DescribeConnectionCommand({ Name: 'sec-basic' }));
    expect(SecretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:events!connection\/sec-basic\/[0-9a-f-]{36}-[A-Za-z0-9]{6}$/);
    const described = await secrets().send(new DescribeSecretCommand({ SecretId: SecretArn }));
    expect(described).toMatchObject({ ARN: SecretArn, OwningService: 'events' });
    expect(described.Name).toMatch(/^events!connection\/sec-basic\//);
    const value = JSON.parse((await secrets().send(new GetSecretValueCommand({ SecretId: SecretArn }))).SecretString!);
    expect(value).toMatchObject({ username: 'ann', password: 'pa55' });
    expect(value.invocation_http_parameters.header_parameters).toEqual([
      { key: 'x-token', value: 'hidden', is_value_secret: true },
      { key: 'x-plain', value: 'shown', is_value_secret: false },
    ]);
    const listed = await secrets().send(new ListSecretsCommand({}));
    expect(listed.SecretList!.find((s) => s.ARN === SecretArn)?.OwningService).toBe('events');
  });

  it('UpdateConnection and DeauthorizeConnection rewrite the secret; DeleteConnection deletes it', async () => {
    await events().send(
      new CreateConnectionCommand({ Name: 'sec-key', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k1' } } }),
    );
    const { SecretArn } = await events().send(new DescribeConnectionCommand({ Name: 'sec-key' }));
    const current = async () => JSON.parse((await secrets().send(new GetSecretValueCommand({ SecretId: SecretArn }))).SecretString!);
    expect(await current()).toMatchObject({ api_key_name: 'x-api-key', api_key_value: 'k1' });

    await events().send(new UpdateConnectionCommand({ Name: 'sec-key', AuthParameters: { ApiKeyAuthParameters: { ApiKeyValue: 'k2' } } }));
    expect(await current()).toMatchObject({ api_key_name: 'x-api-key', api_key_value: 'k2' });

    await events().send(new DeauthorizeConnectionCommand({ Name: 'sec-key' }));
    const after = await current();
    expect(after.api_key_name).toBe('x-api-key');
    expect(after.api_key_value).toBeUndefined();

    await events().send(new DeleteConnectionCommand({ Name: 'sec-key' }));
    expect(await fail(secrets().send(new DescribeSecretCommand({ SecretId: SecretArn })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses changes to the secret through Secrets Manager', async () => {
    await events().send(basic('sec-locked'));
    const { SecretArn } = await events().send(new DescribeConnectionCommand({ Name: 'sec-locked' }));
    const refused = { name: 'InvalidRequestException', message: expect.stringContaining('managed by events') };
    expect(await fail(secrets().send(new PutSecretValueCommand({ SecretId: SecretArn, SecretString: '{}' })))).toMatchObject(refused);
    expect(await fail(secrets().send(new UpdateSecretCommand({ SecretId: SecretArn, Description: 'mine' })))).toMatchObject(refused);
    expect(await fail(secrets().send(new TagResourceCommand({ SecretId: SecretArn, Tags: [{ Key: 'a', Value: 'b' }] })))).toMatchObject(refused);
    expect(await fail(secrets().send(new DeleteSecretCommand({ SecretId: SecretArn, ForceDeleteWithoutRecovery: true })))).toMatchObject(refused);
    expect(JSON.parse((await secrets().send(new GetSecretValueCommand({ SecretId: SecretArn }))).SecretString!).password).toBe('pa55');
  });
});

describe('with a data directory', () => {
  let dir: string;
  let emu: RunningEmulator | undefined;
  let server: http.Server;
  const seen: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connection-secrets-'));
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await emu?.stop();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the credentials only in the secret, and the connection works after a restart', async () => {
    const start = async () => (emu = await startEmulator({ port: 0, dataDir: dir, log: () => {} }));
    await start();
    let eb = new EventBridgeClient(clientConfig(emu!));
    const { ConnectionArn } = await eb.send(basic('kept-conn', 'sup3r-s3cret'));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { ApiDestinationArn } = await eb.send(new CreateApiDestinationCommand({ Name: 'kept-dest', ConnectionArn, InvocationEndpoint: `${base}/hook`, HttpMethod: 'POST' }));
    await eb.send(new PutRuleCommand({ Name: 'to-hook', EventPattern: JSON.stringify({ source: ['kept'] }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'to-hook', Targets: [{ Id: 'hook', Arn: ApiDestinationArn!, RoleArn: 'arn:aws:iam::000000000000:role/r' }] }));
    eb.destroy();
    await emu!.stop();

    // What EventBridge wrote holds no credential; the secret (Secrets Manager's own entity) does.
    const state = ['snapshot.jsonl', 'journal.jsonl']
      .map((f) => path.join(dir, 'state', f))
      .filter((f) => fs.existsSync(f))
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n'));
    const eventsLines = state.filter((l) => l.startsWith('{"k":"events/'));
    expect(eventsLines.some((l) => l.includes('kept-conn'))).toBe(true);
    expect(eventsLines.filter((l) => /sup3r-s3cret|hidden/.test(l))).toEqual([]);
    expect(state.some((l) => l.startsWith('{"k":"secretsmanager/') && l.includes('sup3r-s3cret'))).toBe(true);

    await start();
    eb = new EventBridgeClient(clientConfig(emu!));
    await eb.send(new PutEventsCommand({ Entries: [{ Source: 'kept', DetailType: 't', Detail: '{}' }] }));
    const headers = await waitFor(async () => seen[0], { timeoutMs: 5000, what: 'the webhook call after the restart' });
    expect(headers.authorization).toBe(`Basic ${Buffer.from('ann:sup3r-s3cret').toString('base64')}`);
    expect(headers['x-token']).toBe('hidden');
    const sm = new SecretsManagerClient(clientConfig(emu!));
    const { SecretArn } = await eb.send(new DescribeConnectionCommand({ Name: 'kept-conn' }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: SecretArn }))).OwningService).toBe('events');
    eb.destroy();
    sm.destroy();
  });

  it('moves the credentials of a connection saved before connections had secrets into a secret', async () => {
    await emu?.stop();
    emu = undefined;
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'connection-secrets-old-'));
    try {
      const now = new Date();
      const store = new DataDirStore(old);
      const connection = {
        Name: 'old-conn',
        ConnectionArn: 'arn:aws:events:us-east-1:000000000000:connection/old-conn/00000000-0000-4000-8000-000000000000',
        AuthorizationType: 'BASIC',
        AuthParameters: { BasicAuthParameters: { Username: 'bob', Password: 'old-s3cret' } },
        ConnectionState: 'AUTHORIZED',
        SecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:events!connection/old-conn/00000000-0000-4000-8000-000000000001-abc123',
        CreationTime: now,
        LastModifiedTime: now,
      };
      store.append([{ key: 'events/connections', value: new Map([['old-conn', connection]]) }]);
      store.close();
      for (let round = 0; round < 2; round++) {
        const running = await startEmulator({ port: 0, dataDir: old, log: () => {} });
        const eb = new EventBridgeClient(clientConfig(running));
        const sm = new SecretsManagerClient(clientConfig(running));
        const { SecretArn } = await eb.send(new DescribeConnectionCommand({ Name: 'old-conn' }));
        expect(JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: SecretArn }))).SecretString!)).toMatchObject({ username: 'bob', password: 'old-s3cret' });
        eb.destroy();
        sm.destroy();
        await running.stop();
      }
    } finally {
      fs.rmSync(old, { recursive: true, force: true });
    }
  });
});
