import {
  CloudWatchLogsClient,
  CreateExportTaskCommand,
  CreateLogGroupCommand,
  DeleteAccountPolicyCommand,
  DeleteDestinationCommand,
  DescribeAccountPoliciesCommand,
  DescribeDestinationsCommand,
  DescribeExportTasksCommand,
  PutAccountPolicyCommand,
  PutDestinationCommand,
  PutDestinationPolicyCommand,
  PutSubscriptionFilterCommand,
  DescribeSubscriptionFiltersCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

const logsOf = (emu: RunningEmulator) => new CloudWatchLogsClient(clientConfig(emu));
const TARGET = 'arn:aws:kinesis:us-east-1:000000000000:stream/central';
const ROLE = 'arn:aws:iam::000000000000:role/CWLtoKinesis';
const ACCESS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'logs:PutSubscriptionFilter', Resource: '*' }] });

describe('CloudWatch Logs account policies and destinations (kept with --data-dir)', () => {
  const { emulator, restart } = usePersistentEmulator('logs-policies', { timeScale: 0.01 });

  it('puts, describes and deletes account policies of each type', async () => {
    const logs = logsOf(emulator());
    const doc = JSON.stringify({ Name: 'mask', Version: '2021-06-01', Statement: [] });
    const { accountPolicy } = await logs.send(new PutAccountPolicyCommand({ policyName: 'mask', policyType: 'DATA_PROTECTION_POLICY', policyDocument: doc, scope: 'ALL' }));
    expect(accountPolicy).toMatchObject({ policyName: 'mask', policyType: 'DATA_PROTECTION_POLICY', policyDocument: doc, scope: 'ALL', accountId: '000000000000' });
    await logs.send(
      new PutAccountPolicyCommand({
        policyName: 'to-lambda',
        policyType: 'SUBSCRIPTION_FILTER_POLICY',
        policyDocument: JSON.stringify({ DestinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:sink', FilterPattern: '' }),
        selectionCriteria: 'LogGroupName NOT IN ["/skip"]',
      }),
    );
    await logs.send(new PutAccountPolicyCommand({ policyName: 'idx', policyType: 'FIELD_INDEX_POLICY', policyDocument: JSON.stringify({ Fields: ['requestId'] }) }));
    // One subscription filter policy per account.
    await expect(
      logs.send(new PutAccountPolicyCommand({ policyName: 'second', policyType: 'SUBSCRIPTION_FILTER_POLICY', policyDocument: '{}' })),
    ).rejects.toMatchObject({ name: 'LimitExceededException' });
    await expect(logs.send(new PutAccountPolicyCommand({ policyName: 'bad', policyType: 'TRANSFORMER_POLICY', policyDocument: 'not json' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });

    const subs = await logs.send(new DescribeAccountPoliciesCommand({ policyType: 'SUBSCRIPTION_FILTER_POLICY' }));
    expect(subs.accountPolicies?.map((p) => [p.policyName, p.selectionCriteria])).toEqual([['to-lambda', 'LogGroupName NOT IN ["/skip"]']]);
    expect((await logs.send(new DescribeAccountPoliciesCommand({ policyType: 'FIELD_INDEX_POLICY', policyName: 'idx' }))).accountPolicies).toHaveLength(1);
    await logs.send(new DeleteAccountPolicyCommand({ policyName: 'idx', policyType: 'FIELD_INDEX_POLICY' }));
    expect((await logs.send(new DescribeAccountPoliciesCommand({ policyType: 'FIELD_INDEX_POLICY' }))).accountPolicies).toEqual([]);
    await expect(logs.send(new DeleteAccountPolicyCommand({ policyName: 'idx', policyType: 'FIELD_INDEX_POLICY' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('puts destinations with their access policy; a subscription filter may name a stored one only', async () => {
    const logs = logsOf(emulator());
    const { destination } = await logs.send(new PutDestinationCommand({ destinationName: 'central', targetArn: TARGET, roleArn: ROLE }));
    expect(destination).toMatchObject({ destinationName: 'central', targetArn: TARGET, roleArn: ROLE, arn: 'arn:aws:logs:us-east-1:000000000000:destination:central' });
    await logs.send(new PutDestinationPolicyCommand({ destinationName: 'central', accessPolicy: ACCESS }));
    await logs.send(new PutDestinationCommand({ destinationName: 'other', targetArn: TARGET, roleArn: ROLE }));
    const described = await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: 'cen' }));
    expect(described.destinations).toEqual([expect.objectContaining({ destinationName: 'central', accessPolicy: ACCESS, creationTime: destination!.creationTime })]);
    await expect(logs.send(new PutDestinationPolicyCommand({ destinationName: 'missing', accessPolicy: ACCESS }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    await logs.send(new CreateLogGroupCommand({ logGroupName: '/dest/app' }));
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/dest/app', filterName: 'ship', filterPattern: '', destinationArn: destination!.arn }));
    await expect(
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/dest/app', filterName: 'nowhere', filterPattern: '', destinationArn: 'arn:aws:logs:us-east-1:000000000000:destination:missing' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await logs.send(new DeleteDestinationCommand({ destinationName: 'other' }));
    await expect(logs.send(new DeleteDestinationCommand({ destinationName: 'other' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('keeps account policies, destinations and export tasks across a restart', async () => {
    const logs = logsOf(emulator());
    await new S3Client({ ...clientConfig(emulator()), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'persisted-exports' }));
    const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: '/dest/app', from: 0, to: 1, destination: 'persisted-exports' }));
    await waitFor(async () => (await logs.send(new DescribeExportTasksCommand({ taskId }))).exportTasks?.[0]?.status?.code === 'COMPLETED', {
      what: 'the export to complete',
      timeoutMs: 10_000,
    });

    const after = logsOf(await restart());
    expect((await after.send(new DescribeAccountPoliciesCommand({ policyType: 'SUBSCRIPTION_FILTER_POLICY' }))).accountPolicies?.map((p) => p.policyName)).toEqual(['to-lambda']);
    expect((await after.send(new DescribeAccountPoliciesCommand({ policyType: 'DATA_PROTECTION_POLICY' }))).accountPolicies?.map((p) => p.policyName)).toEqual(['mask']);
    expect((await after.send(new DescribeDestinationsCommand({}))).destinations?.map((d) => [d.destinationName, d.accessPolicy])).toEqual([['central', ACCESS]]);
    expect((await after.send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/dest/app' }))).subscriptionFilters?.map((f) => f.destinationArn)).toEqual([
      'arn:aws:logs:us-east-1:000000000000:destination:central',
    ]);
    expect((await after.send(new DescribeExportTasksCommand({ taskId }))).exportTasks?.[0]).toMatchObject({ taskId, status: { code: 'COMPLETED' }, destination: 'persisted-exports' });
  });
});
