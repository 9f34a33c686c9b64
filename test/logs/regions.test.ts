import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteDestinationCommand,
  DeleteQueryDefinitionCommand,
  DescribeAccountPoliciesCommand,
  DescribeDestinationsCommand,
  DescribeLogGroupsCommand,
  DescribeQueryDefinitionsCommand,
  DescribeResourcePoliciesCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutAccountPolicyCommand,
  PutDestinationCommand,
  PutLogEventsCommand,
  PutQueryDefinitionCommand,
  PutResourcePolicyCommand,
  PutSubscriptionFilterCommand,
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

describe("CloudWatch Logs keeps an account's destinations, policies and saved queries per Region", () => {
  const TARGET = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/central`;
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/CWLtoKinesis`;

  it('lets each Region have a destination of the same name, listed and deleted in its own Region', async () => {
    const east = logsIn('us-east-1');
    const west = logsIn('eu-west-2');
    for (const client of [east, west]) await client.send(new PutDestinationCommand({ destinationName: 'central', targetArn: TARGET, roleArn: ROLE }));
    const arns = async (client: CloudWatchLogsClient) => (await client.send(new DescribeDestinationsCommand({}))).destinations?.map((d) => d.arn);
    expect(await arns(west)).toEqual([`arn:aws:logs:eu-west-2:${ACCOUNT}:destination:central`]);
    expect(await arns(east)).toEqual([`arn:aws:logs:us-east-1:${ACCOUNT}:destination:central`]);
    // A subscription filter may name the destination of its ARN's Region.
    await west.send(new CreateLogGroupCommand({ logGroupName: '/subscribed' }));
    await west.send(
      new PutSubscriptionFilterCommand({ logGroupName: '/subscribed', filterName: 'all', filterPattern: '', destinationArn: `arn:aws:logs:eu-west-2:${ACCOUNT}:destination:central` }),
    );
    await west.send(new DeleteDestinationCommand({ destinationName: 'central' }));
    expect(await arns(west)).toEqual([]);
    expect(await arns(east)).toHaveLength(1);
    await expect(
      west.send(new PutSubscriptionFilterCommand({ logGroupName: '/subscribed', filterName: 'gone', filterPattern: '', destinationArn: `arn:aws:logs:eu-west-2:${ACCOUNT}:destination:central` })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('keeps account policies, account-scoped resource policies and query definitions to the Region they were put in', async () => {
    const east = logsIn('us-east-1');
    const west = logsIn('ca-central-1');
    // One data protection policy per account and Region: each Region may have its own.
    const doc = JSON.stringify({ Name: 'mask', Version: '2021-06-01', Statement: [] });
    for (const client of [east, west]) await client.send(new PutAccountPolicyCommand({ policyName: 'mask', policyType: 'DATA_PROTECTION_POLICY', policyDocument: doc }));
    const accountPolicies = async (client: CloudWatchLogsClient) =>
      (await client.send(new DescribeAccountPoliciesCommand({ policyType: 'DATA_PROTECTION_POLICY' }))).accountPolicies?.map((p) => p.policyName);
    expect(await accountPolicies(west)).toEqual(['mask']);
    expect(await accountPolicies(east)).toEqual(['mask']);

    await west.send(new PutResourcePolicyCommand({ policyName: 'west-only', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
    const resourcePolicies = async (client: CloudWatchLogsClient) =>
      (await client.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies?.map((p) => p.policyName) ?? [];
    expect(await resourcePolicies(west)).toEqual(['west-only']);
    expect(await resourcePolicies(east)).not.toContain('west-only');

    const { queryDefinitionId } = await west.send(new PutQueryDefinitionCommand({ name: 'errors', queryString: 'fields @message' }));
    const definitions = async (client: CloudWatchLogsClient) =>
      (await client.send(new DescribeQueryDefinitionsCommand({}))).queryDefinitions?.map((q) => q.queryDefinitionId) ?? [];
    expect(await definitions(west)).toEqual([queryDefinitionId]);
    expect(await definitions(east)).not.toContain(queryDefinitionId);
    // Another Region knows no definition of that id.
    await expect(east.send(new DeleteQueryDefinitionCommand({ queryDefinitionId }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(east.send(new PutQueryDefinitionCommand({ queryDefinitionId, name: 'x', queryString: 'fields @message' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await west.send(new DeleteQueryDefinitionCommand({ queryDefinitionId }));
    expect(await definitions(west)).toEqual([]);
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

  it("keeps another Region's destinations, policies and saved queries apart across a restart", async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    for (const region of ['us-east-1', 'eu-north-1']) {
      const logs = client(region);
      await logs.send(new PutDestinationCommand({ destinationName: 'dest', targetArn: `arn:aws:kinesis:${region}:${ACCOUNT}:stream/s`, roleArn: `arn:aws:iam::${ACCOUNT}:role/r` }));
      await logs.send(new PutResourcePolicyCommand({ policyName: `policy-${region}`, policyDocument: policy }));
      await logs.send(new PutAccountPolicyCommand({ policyName: `index-${region}`, policyType: 'FIELD_INDEX_POLICY', policyDocument: JSON.stringify({ Fields: ['a'] }) }));
      await logs.send(new PutQueryDefinitionCommand({ name: `query-${region}`, queryString: 'fields @message' }));
    }
    await persistent.restart();
    for (const region of ['us-east-1', 'eu-north-1']) {
      const logs = client(region);
      expect((await logs.send(new DescribeDestinationsCommand({}))).destinations?.map((d) => d.arn)).toEqual([`arn:aws:logs:${region}:${ACCOUNT}:destination:dest`]);
      expect((await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies?.map((p) => p.policyName)).toEqual([`policy-${region}`]);
      const indexPolicies = await logs.send(new DescribeAccountPoliciesCommand({ policyType: 'FIELD_INDEX_POLICY' }));
      expect(indexPolicies.accountPolicies?.map((p) => p.policyName)).toEqual([`index-${region}`]);
      expect((await logs.send(new DescribeQueryDefinitionsCommand({}))).queryDefinitions?.map((q) => q.name)).toEqual([`query-${region}`]);
    }
  });
});
