import { CloudWatchClient, DeleteAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogStreamsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateEventBusCommand, EventBridgeClient, ListEventBusesCommand, TagResourceCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, TagRoleCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, rawRequest, sigv4, useEmulator } from '../helpers/emulator';

/**
 * A request without a member the model marks required is refused before the service sees it, with each
 * service's own error. The v3 clients send such requests as they are (they do not check required members).
 */
const emulator = useEmulator({ log: () => {} });
const config = () => clientConfig(emulator());

/** The error a call fails with, as the client reports it. */
async function failure(call: () => Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await call();
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

const notNull = (...paths: string[]) =>
  `${paths.length} validation error${paths.length === 1 ? '' : 's'} detected: ` +
  paths.map((p) => `Value null at '${p}' failed to satisfy constraint: Member must not be null`).join('; ');

// Inputs typed as any: the point is to send what the types would not allow.
const missing = <T>(input: Record<string, unknown>) => input as unknown as T;

describe('missing required members', () => {
  it('EventBridge: ValidationException, and no bus named undefined is created', async () => {
    const events = new EventBridgeClient(config());
    expect(await failure(() => events.send(new CreateEventBusCommand(missing({}))))).toEqual({ name: 'ValidationException', message: notNull('name'), status: 400 });
    // A tag without a Key: the path names the list position.
    const bus = await events.send(new CreateEventBusCommand({ Name: 'required-bus' }));
    const tag = await failure(() => events.send(new TagResourceCommand({ ResourceARN: bus.EventBusArn, Tags: [{ Key: 'a', Value: '1' }, missing({ Value: 'v' })] })));
    expect(tag).toEqual({ name: 'ValidationException', message: notNull('tags.2.member.key'), status: 400 });
    const names = (await events.send(new ListEventBusesCommand({ NamePrefix: 'r' }))).EventBuses?.map((b) => b.Name);
    expect(names).toEqual(['required-bus']);
    events.destroy();
  });

  it('CloudWatch Logs: InvalidParameterException with the camelCase member name', async () => {
    const logs = new CloudWatchLogsClient(config());
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/required/group' }));
    const stream = await failure(() => logs.send(new CreateLogStreamCommand(missing({ logGroupName: '/required/group' }))));
    expect(stream).toEqual({ name: 'InvalidParameterException', message: notNull('logStreamName'), status: 400 });
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/required/group' }))).logStreams).toEqual([]);
    const events = await failure(() =>
      logs.send(new PutLogEventsCommand(missing({ logGroupName: '/required/group', logStreamName: 's', logEvents: [{ timestamp: 1, message: 'a' }, { message: 'b' }] }))),
    );
    expect(events).toEqual({ name: 'InvalidParameterException', message: notNull('logEvents.2.member.timestamp'), status: 400 });
    // Two members missing: both are named.
    const both = await failure(() => logs.send(new CreateLogStreamCommand(missing({}))));
    expect(both.message).toBe(notNull('logGroupName', 'logStreamName'));
    logs.destroy();
  });

  it('an operation the emulator does not implement still answers NotImplemented, not a validation error', async () => {
    const res = await rawRequest(emulator(), '/', {
      headers: { 'x-amz-target': 'Logs_20140328.CreateLogAnomalyDetector', 'content-type': 'application/x-amz-json-1.1', authorization: sigv4('logs') },
      body: '{}',
    });
    expect(res.status).toBe(501);
  });

  it('CloudWatch: MissingParameter naming the form parameter, nested ones by their Query path', async () => {
    const cw = new CloudWatchClient(config());
    const alarms = await failure(() => cw.send(new DeleteAlarmsCommand(missing({}))));
    expect(alarms).toEqual({ name: 'MissingRequiredParameterException', message: 'The parameter AlarmNames is required.', status: 400 });
    const stats = await failure(() =>
      cw.send(
        new GetMetricStatisticsCommand(
          missing({ Namespace: 'N', MetricName: 'M', StartTime: new Date(0), EndTime: new Date(60_000), Period: 60, Statistics: ['Sum'], Dimensions: [{ Name: 'd' }] }),
        ),
      ),
    );
    expect(stats).toEqual({ name: 'MissingRequiredParameterException', message: 'The parameter Dimensions.member.1.Value is required.', status: 400 });
    cw.destroy();
  });

  it('CloudWatch over the Query protocol: MissingParameter in the XML error', async () => {
    const res = await rawRequest(emulator(), '/', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: sigv4('monitoring') },
      body: 'Action=EnableAlarmActions&Version=2010-08-01',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MissingParameter</Code><Message>The parameter AlarmNames is required.</Message>');
  });

  it('CloudWatch over RPC v2 CBOR: MissingParameter in the query-error header', async () => {
    const res = await rawRequest(emulator(), '/service/GraniteServiceVersion20100801/operation/DisableAlarmActions', {
      headers: { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', authorization: sigv4('monitoring') },
      body: Buffer.alloc(0),
    });
    expect([res.status, res.headers.get('x-amzn-query-error')]).toEqual([400, 'MissingParameter;Sender']);
  });

  it('IAM and STS (Query): ValidationError; a tag without a Value is named by its path', async () => {
    const iam = new IAMClient(config());
    await iam.send(new CreateRoleCommand({ RoleName: 'required-role', AssumeRolePolicyDocument: '{}' }));
    expect(await failure(() => iam.send(new TagRoleCommand(missing({ RoleName: 'required-role' }))))).toEqual({ name: 'ValidationError', message: notNull('tags'), status: 400 });
    const tag = await failure(() => iam.send(new TagRoleCommand(missing({ RoleName: 'required-role', Tags: [{ Key: 'k' }] }))));
    expect(tag.message).toBe(notNull('tags.1.member.value'));
    iam.destroy();
    const sts = new STSClient(config());
    expect(await failure(() => sts.send(new AssumeRoleCommand(missing({ RoleSessionName: 's' }))))).toEqual({ name: 'ValidationError', message: notNull('roleArn'), status: 400 });
    sts.destroy();
  });

  it('SNS (Query): InvalidParameter for a top-level member, as its own checks word it; ValidationError for a nested one', async () => {
    const sns = new SNSClient(config());
    expect(await failure(() => sns.send(new CreateTopicCommand(missing({}))))).toEqual({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Name Reason: no value for required parameter',
      status: 400,
    });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'required-topic' }));
    const batch = await failure(() => sns.send(new PublishBatchCommand(missing({ TopicArn, PublishBatchRequestEntries: [{ Id: 'a', Message: 'm' }, { Id: 'b' }] }))));
    expect(batch).toEqual({ name: 'ValidationError', message: notNull('publishBatchRequestEntries.2.member.message'), status: 400 });
    // A missing batch is an empty one (the Query protocol sends both alike): the service's own answer stands.
    expect((await failure(() => sns.send(new PublishBatchCommand(missing({ TopicArn }))))).name).toBe('EmptyBatchRequestException');
    sns.destroy();
  });

  it('SQS: MissingParameter, and EmptyBatchRequest for a missing batch, as the service already answered', async () => {
    const sqs = new SQSClient(config());
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'required-queue' }));
    const err = await failure(() => sqs.send(new DeleteMessageCommand(missing({ QueueUrl }))));
    expect(err).toEqual({ name: 'MissingParameter', message: 'The request must contain the parameter ReceiptHandle.', status: 400 });
    expect((await failure(() => sqs.send(new DeleteMessageBatchCommand(missing({ QueueUrl })))))).toMatchObject({ name: 'EmptyBatchRequest', status: 400 });
    sqs.destroy();
  });

  it('Secrets Manager, SSM and Lambda: ValidationException', async () => {
    const secrets = new SecretsManagerClient(config());
    expect(await failure(() => secrets.send(new GetSecretValueCommand(missing({}))))).toEqual({ name: 'ValidationException', message: notNull('secretId'), status: 400 });
    secrets.destroy();
    const ssm = new SSMClient(config());
    expect(await failure(() => ssm.send(new GetParameterCommand(missing({}))))).toEqual({ name: 'ValidationException', message: notNull('name'), status: 400 });
    ssm.destroy();
    const lambda = new LambdaClient(config());
    const fn = await failure(() => lambda.send(new CreateFunctionCommand(missing({ FunctionName: 'required-fn', Code: { ZipFile: new Uint8Array([1]) } }))));
    expect(fn).toEqual({ name: 'ValidationException', message: notNull('role'), status: 400 });
    lambda.destroy();
  });
});
