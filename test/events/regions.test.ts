import {
  CreateApiDestinationCommand,
  CreateArchiveCommand,
  CreateConnectionCommand,
  CreateEventBusCommand,
  DescribeApiDestinationCommand,
  DescribeConnectionCommand,
  ListConnectionsCommand,
  EventBridgeClient,
  ListArchivesCommand,
  ListEventBusesCommand,
  ListRulesCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { rekeyByScope } from '../../emulator/core/scope';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator({ timeScale: 0.001 });
const eventsIn = (region: string) => new EventBridgeClient({ ...clientConfig(emulator()), region });
const east = () => eventsIn('us-east-1');
const west = () => eventsIn('us-west-2');
const ACCOUNT = '000000000000';

describe('EventBridge keeps buses, rules and archives per Region', () => {
  it('lets each Region have a bus of the same name, and lists only its own (with its own default bus)', async () => {
    const a = await east().send(new CreateEventBusCommand({ Name: 'orders' }));
    const b = await west().send(new CreateEventBusCommand({ Name: 'orders' }));
    expect(a.EventBusArn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`);
    expect(b.EventBusArn).toBe(`arn:aws:events:us-west-2:${ACCOUNT}:event-bus/orders`);
    await expect(west().send(new CreateEventBusCommand({ Name: 'orders' }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    const listed = (await west().send(new ListEventBusesCommand({}))).EventBuses?.map((x) => x.Arn).sort();
    expect(listed).toEqual([`arn:aws:events:us-west-2:${ACCOUNT}:event-bus/default`, `arn:aws:events:us-west-2:${ACCOUNT}:event-bus/orders`]);
  });

  it("keeps a Region's rules to itself, and routes to another Region's bus named by ARN", async () => {
    const sqs = new SQSClient({ ...clientConfig(emulator()), region: 'us-west-2' });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'west-orders' }));
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const westDefault = `arn:aws:events:us-west-2:${ACCOUNT}:event-bus/default`;
    // The same rule name in both Regions: east forwards to west's default bus, west delivers to its queue.
    await east().send(new PutRuleCommand({ Name: 'route', EventPattern: JSON.stringify({ source: ['shop'] }) }));
    await east().send(new PutTargetsCommand({ Rule: 'route', Targets: [{ Id: 'west', Arn: westDefault, RoleArn: `arn:aws:iam::${ACCOUNT}:role/forwarder` }] }));
    await west().send(new PutRuleCommand({ Name: 'route', EventPattern: JSON.stringify({ source: ['shop'] }) }));
    await west().send(new PutTargetsCommand({ Rule: 'route', Targets: [{ Id: 'queue', Arn: queueArn }] }));
    const westRules = (await west().send(new ListRulesCommand({ NamePrefix: 'route' }))).Rules?.map((r) => r.Arn);
    expect(westRules).toEqual([`arn:aws:events:us-west-2:${ACCOUNT}:rule/route`]);

    const delivered: [unknown, unknown][] = [];
    const stop = emulator().bus.onHop((h) => {
      if (h.type === 'events.target.delivered') delivered.push([h.ruleArn, h.targetArn]);
    });
    try {
      await east().send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'order placed', Detail: '{"id":7}' }] }));
      const got: { Body?: string }[] = [];
      await waitFor(
        async () => {
          const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
          for (const m of r.Messages ?? []) {
            got.push(m);
            await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
          }
          return got.length > 0;
        },
        { what: 'the forwarded event in the west queue' },
      );
      const event = JSON.parse(got[0]!.Body!);
      expect(event).toMatchObject({ source: 'shop', region: 'us-east-1', detail: { id: 7 } });
      // East's rule delivered to west's bus, then west's own rule to its queue.
      await waitFor(() => delivered.length >= 2, { what: 'both deliveries' });
      expect(delivered.slice(0, 2)).toEqual([
        [`arn:aws:events:us-east-1:${ACCOUNT}:rule/route`, westDefault],
        [`arn:aws:events:us-west-2:${ACCOUNT}:rule/route`, queueArn],
      ]);
    } finally {
      stop();
    }
  });

  it('lets each Region have an archive of the same name', async () => {
    for (const [client, region] of [[east(), 'us-east-1'], [west(), 'us-west-2']] as const) {
      const out = await client.send(new CreateArchiveCommand({ ArchiveName: 'all-orders', EventSourceArn: `arn:aws:events:${region}:${ACCOUNT}:event-bus/orders` }));
      expect(out.ArchiveArn).toBe(`arn:aws:events:${region}:${ACCOUNT}:archive/all-orders`);
    }
    const westArchives = (await west().send(new ListArchivesCommand({}))).Archives ?? [];
    expect(westArchives.map((a) => a.EventSourceArn)).toEqual([`arn:aws:events:us-west-2:${ACCOUNT}:event-bus/orders`]);
  });

  it('lets each Region have a connection and an API destination of the same name', async () => {
    const connection = { Name: 'hooks', AuthorizationType: 'API_KEY' as const, AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-key', ApiKeyValue: 'secret' } } };
    const inEast = await east().send(new CreateConnectionCommand(connection));
    const inWest = await west().send(new CreateConnectionCommand(connection));
    expect(inEast.ConnectionArn).toMatch(/^arn:aws:events:us-east-1:\d{12}:connection\/hooks\//);
    expect(inWest.ConnectionArn).toMatch(/^arn:aws:events:us-west-2:\d{12}:connection\/hooks\//);
    expect((await west().send(new ListConnectionsCommand({ NamePrefix: 'hooks' }))).Connections?.map((c) => c.ConnectionArn)).toEqual([inWest.ConnectionArn]);
    const destination = await west().send(
      new CreateApiDestinationCommand({ Name: 'hook', ConnectionArn: inWest.ConnectionArn, InvocationEndpoint: 'http://127.0.0.1:9/hook', HttpMethod: 'POST' }),
    );
    expect(destination.ApiDestinationArn).toMatch(/^arn:aws:events:us-west-2:/);
    await expect(east().send(new DescribeApiDestinationCommand({ Name: 'hook' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await west().send(new DescribeApiDestinationCommand({ Name: 'hook' }))).ConnectionArn).toBe(inWest.ConnectionArn);

    // Each connection's managed secret is in the connection's Region.
    const secretsIn = async (region: string) =>
      (await new SecretsManagerClient({ ...clientConfig(emulator()), region }).send(new ListSecretsCommand({ Filters: [{ Key: 'owning-service', Values: ['events'] }] }))).SecretList?.map(
        (x) => x.ARN,
      );
    const westSecret = await waitFor(async () => (await west().send(new DescribeConnectionCommand({ Name: 'hooks' }))).SecretArn || undefined, { what: "west's secret" });
    expect(westSecret).toMatch(/^arn:aws:secretsmanager:us-west-2:/);
    expect(await secretsIn('us-west-2')).toEqual([westSecret]);
    expect(await secretsIn('us-east-1')).not.toContain(westSecret);
  });

  it('re-keys saved buses by the account and Region of their ARN (data saved when they were keyed by name)', () => {
    const saved = new Map([
      ['default', { Name: 'default', Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` }],
      ['orders', { Name: 'orders', Arn: `arn:aws:events:eu-west-1:111111111111:event-bus/orders` }],
    ]);
    rekeyByScope(saved, (b) => b.Arn, (b) => b.Name);
    expect([...saved.keys()]).toEqual([`${ACCOUNT}:us-east-1/default`, '111111111111:eu-west-1/orders']);
  });
});
