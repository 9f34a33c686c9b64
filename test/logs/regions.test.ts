import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator, usePersistentEmulator } from '../helpers/emulator';
import { deployNode } from '../lambda/helpers';

const emulator = useEmulator({ log: () => {} });
const logsIn = (region: string) => new CloudWatchLogsClient({ ...clientConfig(emulator()), region });
const ACCOUNT = '000000000000';

describe('CloudWatch Logs keeps log groups per Region', () => {
  it('lets each Region have a group of the same name, with its own streams and events, listed in its Region only', async () => {
    const east = logsIn('us-east-1');
    const west = logsIn('eu-west-1');
    for (const [client, text] of [
      [east, 'from east'],
      [west, 'from west'],
    ] as const) {
      await client.send(new CreateLogGroupCommand({ logGroupName: '/app/orders' }));
      await client.send(new CreateLogStreamCommand({ logGroupName: '/app/orders', logStreamName: 'main' }));
      await client.send(new PutLogEventsCommand({ logGroupName: '/app/orders', logStreamName: 'main', logEvents: [{ timestamp: Date.now(), message: text }] }));
    }
    await expect(west.send(new CreateLogGroupCommand({ logGroupName: '/app/orders' }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    const read = async (client: CloudWatchLogsClient) =>
      (await client.send(new GetLogEventsCommand({ logGroupName: '/app/orders', logStreamName: 'main' }))).events?.map((e) => e.message);
    expect(await read(east)).toEqual(['from east']);
    expect(await read(west)).toEqual(['from west']);
    const listed = (await west.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/' }))).logGroups?.map((g) => g.logGroupArn);
    expect(listed).toEqual([`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/app/orders`]);
    // A group's ARN names it from any Region.
    const byArn = await east.send(new FilterLogEventsCommand({ logGroupIdentifier: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/app/orders` }));
    expect(byArn.events?.map((e) => e.message)).toEqual(['from west']);
  });

  it("writes a function's lines to the log group of the function's own Region", async () => {
    const region = 'ap-southeast-2';
    const lambda = new LambdaClient({ ...clientConfig(emulator()), region });
    const name = 'regional-logger';
    await deployNode(lambda, name, "exports.handler = async () => { console.log('hello from sydney'); return 1; };");
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
    await lambda.send(new InvokeCommand({ FunctionName: name }));
    const lines = async (client: CloudWatchLogsClient) =>
      (await client.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` })).catch(() => ({ events: [] }))).events?.map((e) => e.message) ?? [];
    const inRegion = await waitFor(async () => ((await lines(logsIn(region))).some((m) => m?.includes('hello from sydney')) ? true : undefined), {
      what: "the function's line in its Region's log group",
    });
    expect(inRegion).toBe(true);
    expect(await lines(logsIn('us-east-1'))).toEqual([]);
  });
});

describe('with --data-dir', () => {
  const persistent = usePersistentEmulator('logs-regions', { log: () => {} });
  const client = (region: string) => new CloudWatchLogsClient({ ...clientConfig(persistent.emulator()), region });

  it("keeps another Region's group apart across a restart", async () => {
    for (const [region, text] of [
      ['us-east-1', 'east line'],
      ['eu-west-1', 'west line'],
    ] as const) {
      await client(region).send(new CreateLogGroupCommand({ logGroupName: '/kept' }));
      await client(region).send(new CreateLogStreamCommand({ logGroupName: '/kept', logStreamName: 's' }));
      await client(region).send(new PutLogEventsCommand({ logGroupName: '/kept', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: text }] }));
    }
    await persistent.restart();
    const read = async (region: string) => (await client(region).send(new GetLogEventsCommand({ logGroupName: '/kept', logStreamName: 's' }))).events?.map((e) => e.message);
    expect(await read('us-east-1')).toEqual(['east line']);
    expect(await read('eu-west-1')).toEqual(['west line']);
  });
});
