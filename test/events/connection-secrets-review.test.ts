import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, GetMetricStatisticsCommand, type Dimension } from '@aws-sdk/client-cloudwatch';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  CreateEventBusCommand,
  DescribeConnectionCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { DataDirStore } from '../../emulator/persistence/data-dir';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

/** Review of connection secrets and AWS/Events metrics: what AWS documents and the first version missed. */
const emulator = useEmulator({ timeScale: 0.001 });
const DAY = 86_400_000;

describe('connection secrets in Secrets Manager', () => {
  it('ListSecrets filtered by owning-service finds the secrets EventBridge manages, and only those', async () => {
    const eb = new EventBridgeClient(clientConfig(emulator()));
    const sm = new SecretsManagerClient(clientConfig(emulator()));
    await eb.send(
      new CreateConnectionCommand({ Name: 'owned-conn', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-key', ApiKeyValue: 'v' } } }),
    );
    await sm.send(new CreateSecretCommand({ Name: 'mine-not-owned', SecretString: 's' }));
    const { SecretArn } = await eb.send(new DescribeConnectionCommand({ Name: 'owned-conn' }));

    const owned = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'owning-service', Values: ['events'] }] }));
    expect(owned.SecretList?.map((s) => s.ARN)).toEqual([SecretArn]);
    const others = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'owning-service', Values: ['!events'] }] }));
    expect(others.SecretList?.map((s) => s.Name)).toEqual(['mine-not-owned']);
    eb.destroy();
    sm.destroy();
  });
});

describe('a restart whose Secrets Manager state lacks a connection secret', () => {
  let dir: string;
  let emu: RunningEmulator | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connection-secret-lost-'));
  });
  afterAll(async () => {
    await emu?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deauthorizes the connection (AWS: the secret cannot be retrieved) instead of calling without its password', async () => {
    emu = await startEmulator({ port: 0, dataDir: dir, log: () => {} });
    let eb = new EventBridgeClient(clientConfig(emu));
    await eb.send(
      new CreateConnectionCommand({ Name: 'lost-conn', AuthorizationType: 'BASIC', AuthParameters: { BasicAuthParameters: { Username: 'ann', Password: 'pw' } } }),
    );
    eb.destroy();
    await emu.stop();
    // Secrets Manager's state is lost (its entity gone from the data directory); EventBridge's remains.
    const store = new DataDirStore(dir);
    store.append([{ key: 'secretsmanager/secrets', deleted: true }]);
    store.close();

    emu = await startEmulator({ port: 0, dataDir: dir, log: () => {} });
    eb = new EventBridgeClient(clientConfig(emu));
    const c = await eb.send(new DescribeConnectionCommand({ Name: 'lost-conn' }));
    expect(c.ConnectionState).toBe('DEAUTHORIZED');
    expect(c.StateReason).toMatch(/secret/);
    // It still has a secret (no half state): UpdateConnection can authorize it again.
    const sm = new SecretsManagerClient(clientConfig(emu));
    expect((await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['events!connection/lost-conn/'] }] }))).SecretList?.map((s) => s.ARN)).toEqual([c.SecretArn]);
    eb.destroy();
    sm.destroy();
  });
});

describe('AWS/Events metrics', () => {
  let server: http.Server;
  let calls = 0;
  beforeAll(async () => {
    // The first call to each path fails with 500; later ones succeed, except under /always-fails.
    const seen = new Set<string>();
    server = http.createServer((req, res) => {
      calls++;
      req.resume();
      req.on('end', () => {
        const first = !seen.has(req.url!);
        seen.add(req.url!);
        res.writeHead(req.url!.startsWith('/always-fails') || first ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const sumOf = (cw: CloudWatchClient) => async (name: string, dims: Record<string, string>) => {
    const Dimensions: Dimension[] = Object.entries(dims).map(([Name, Value]) => ({ Name, Value }));
    const now = Date.now();
    const stats = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: 'AWS/Events', MetricName: name, Dimensions, StartTime: new Date(now - DAY), EndTime: new Date(now + 2 * DAY), Period: 3 * 86_400, Statistics: ['Sum'] }),
    );
    return stats.Datapoints?.reduce((n, d) => n + (d.Sum ?? 0), 0) ?? 0;
  };

  it('TriggeredRules has the EventBusName-only and dimensionless series, and MatchedEvents a RuleName one (AWS table)', async () => {
    const eb = new EventBridgeClient(clientConfig(emulator()));
    const sqs = new SQSClient(clientConfig(emulator()));
    const cw = new CloudWatchClient(clientConfig(emulator()));
    const sum = sumOf(cw);
    await sqs.send(new CreateQueueCommand({ QueueName: 'tr-target' }));
    await eb.send(new CreateEventBusCommand({ Name: 'tr-bus' }));
    const pattern = JSON.stringify({ source: ['triggered.test'] });
    for (const [rule, bus] of [['tr-a', 'tr-bus'], ['tr-b', 'tr-bus'], ['tr-c', undefined]] as const) {
      await eb.send(new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: pattern }));
      await eb.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:tr-target' }] }));
    }
    await eb.send(
      new PutEventsCommand({ Entries: [{ Source: 'triggered.test', DetailType: 't', Detail: '{}', EventBusName: 'tr-bus' }, { Source: 'triggered.test', DetailType: 't', Detail: '{}' }] }),
    );
    const expected: [string, Record<string, string>, number][] = [
      ['TriggeredRules', {}, 3],
      ['TriggeredRules', { EventBusName: 'tr-bus' }, 2],
      ['TriggeredRules', { EventBusName: 'default' }, 1],
      ['MatchedEvents', { EventBusName: 'tr-bus', RuleName: 'tr-a' }, 1],
      ['MatchedEvents', { RuleName: 'tr-c' }, 1],
      ['Invocations', {}, 3],
    ];
    const actual = async () => Promise.all(expected.map(async ([name, dims]) => [name, dims, await sum(name, dims)] as const));
    await waitFor(async () => JSON.stringify(await actual()) === JSON.stringify(expected), { timeoutMs: 5000, what: 'AWS/Events metrics' }).catch(() => undefined);
    expect(await actual()).toEqual(expected);
    eb.destroy();
    sqs.destroy();
    cw.destroy();
  });

  it('counts one Invocation per target and event whatever the retries, and FailedInvocations only once they are exhausted', async () => {
    const eb = new EventBridgeClient(clientConfig(emulator()));
    const cw = new CloudWatchClient(clientConfig(emulator()));
    const sum = sumOf(cw);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { ConnectionArn } = await eb.send(
      new CreateConnectionCommand({ Name: 'retry-conn', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-key', ApiKeyValue: 'v' } } }),
    );
    const destination = async (name: string, path: string) =>
      (await eb.send(new CreateApiDestinationCommand({ Name: name, ConnectionArn, InvocationEndpoint: `${base}${path}`, HttpMethod: 'POST' }))).ApiDestinationArn!;
    const role = 'arn:aws:iam::000000000000:role/r';
    await eb.send(new PutRuleCommand({ Name: 'retried', EventPattern: JSON.stringify({ source: ['retry.test'] }) }));
    await eb.send(
      new PutTargetsCommand({
        Rule: 'retried',
        Targets: [
          { Id: 'second-try', Arn: await destination('second-try', '/second-try'), RoleArn: role },
          { Id: 'never', Arn: await destination('never', '/always-fails'), RoleArn: role, RetryPolicy: { MaximumRetryAttempts: 2 } },
        ],
      }),
    );
    await eb.send(new PutEventsCommand({ Entries: [{ Source: 'retry.test', DetailType: 't', Detail: '{}' }] }));
    // 2 calls to /second-try (500, then 200) and 3 to /always-fails (the first and two retries).
    await waitFor(() => calls >= 5, { timeoutMs: 5000, what: 'five webhook calls' });
    const expected: [string, Record<string, string>, number][] = [
      ['InvocationAttempts', { RuleName: 'retried' }, 5],
      ['Invocations', { RuleName: 'retried' }, 2],
      ['FailedInvocations', { RuleName: 'retried' }, 1],
    ];
    const actual = async () => Promise.all(expected.map(async ([name, dims]) => [name, dims, await sum(name, dims)] as const));
    await waitFor(async () => JSON.stringify(await actual()) === JSON.stringify(expected), { timeoutMs: 5000, what: 'AWS/Events metrics' }).catch(() => undefined);
    expect(await actual()).toEqual(expected);
    expect(calls).toBe(5);
    eb.destroy();
    cw.destroy();
  });
});
