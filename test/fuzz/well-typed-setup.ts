import * as s3 from '@aws-sdk/client-s3';
import * as sqs from '@aws-sdk/client-sqs';
import * as sns from '@aws-sdk/client-sns';
import * as lambda from '@aws-sdk/client-lambda';
import * as events from '@aws-sdk/client-eventbridge';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as logs from '@aws-sdk/client-cloudwatch-logs';
import * as iam from '@aws-sdk/client-iam';
import * as sts from '@aws-sdk/client-sts';
import * as secrets from '@aws-sdk/client-secrets-manager';
import * as ssm from '@aws-sdk/client-ssm';
import type { RunningEmulator } from '../../emulator';
import { clientConfig as emulatorClientConfig } from '../helpers/emulator';
import { makeZip } from '../lambda/helpers';

/**
 * Two sets of resources: the targets, whose names the fuzzer puts in its inputs (so requests reach deep into
 * each service, and may legitimately change or delete them), and the kept ones, never named in an input,
 * which must all still be readable after fuzzing.
 */
export interface SeededResources {
  bucket: string;
  queueUrl: string;
  fifoQueueUrl: string;
  queueArn: string;
  receiptHandle: string;
  topicArn: string;
  subscriptionArn: string;
  functionName: string;
  functionArn: string;
  mappingUuid: string;
  eventBus: string;
  eventBusArn: string;
  ruleName: string;
  logGroup: string;
  logGroupArn: string;
  logStream: string;
  alarmName: string;
  alarmArn: string;
  roleName: string;
  roleArn: string;
  instanceProfile: string;
  policyArn: string;
  secretName: string;
  secretArn: string;
  parameterName: string;
  allArns: string[];
}

const ROLE_TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
const HANDLER = 'exports.handler = async (e) => ({ ok: true, got: typeof e });';

/** One attempt: a retried request would hide what the first answer was. */
export const clientConfig = (emu: RunningEmulator) => ({ ...emulatorClientConfig(emu), maxAttempts: 1 });

/** Creates one function, queue, topic, … per service under `prefix`; returns their names and ARNs. */
async function seedSet(emu: RunningEmulator, prefix: string, zip: Buffer): Promise<SeededResources> {
  const c = clientConfig(emu);
  const s3c = new s3.S3Client({ ...c, forcePathStyle: true });
  const sqsc = new sqs.SQSClient(c);
  const snsc = new sns.SNSClient(c);
  const lambdac = new lambda.LambdaClient(c);
  const eventsc = new events.EventBridgeClient(c);
  const cwc = new cw.CloudWatchClient(c);
  const logsc = new logs.CloudWatchLogsClient(c);
  const iamc = new iam.IAMClient(c);
  const secretsc = new secrets.SecretsManagerClient(c);
  const ssmc = new ssm.SSMClient(c);
  try {
    const bucket = `${prefix}-bucket`;
    await s3c.send(new s3.CreateBucketCommand({ Bucket: bucket }));
    await s3c.send(new s3.PutObjectCommand({ Bucket: bucket, Key: 'obj.csv', Body: 'a,b\n1,2\n' }));
    const queueUrl = (await sqsc.send(new sqs.CreateQueueCommand({ QueueName: `${prefix}-q` }))).QueueUrl!;
    const fifoQueueUrl = (await sqsc.send(new sqs.CreateQueueCommand({ QueueName: `${prefix}-q.fifo`, Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    const queueArn = `arn:aws:sqs:us-east-1:000000000000:${prefix}-q`;
    await sqsc.send(new sqs.SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'kept' }));
    await sqsc.send(new sqs.SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'to receive' }));
    const received = await sqsc.send(new sqs.ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 0 }));
    const topicArn = (await snsc.send(new sns.CreateTopicCommand({ Name: `${prefix}-topic` }))).TopicArn!;
    const subscriptionArn = (await snsc.send(new sns.SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }))).SubscriptionArn!;
    const roleArn = (await iamc.send(new iam.CreateRoleCommand({ RoleName: `${prefix}-role`, AssumeRolePolicyDocument: ROLE_TRUST }))).Role!.Arn!;
    await iamc.send(new iam.CreateInstanceProfileCommand({ InstanceProfileName: `${prefix}-profile` }));
    await iamc.send(new iam.AddRoleToInstanceProfileCommand({ InstanceProfileName: `${prefix}-profile`, RoleName: `${prefix}-role` }));
    const policyArn = (await iamc.send(new iam.CreatePolicyCommand({ PolicyName: `${prefix}-policy`, PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' }))).Policy!.Arn!;
    const fn = await lambdac.send(new lambda.CreateFunctionCommand({ FunctionName: `${prefix}-fn`, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: roleArn, Code: { ZipFile: zip }, Timeout: 3 }));
    await lambdac.send(new lambda.PublishVersionCommand({ FunctionName: `${prefix}-fn` })).catch(() => undefined);
    const mapping = await lambdac.send(new lambda.CreateEventSourceMappingCommand({ FunctionName: `${prefix}-fn`, EventSourceArn: `arn:aws:sqs:us-east-1:000000000000:${prefix}-q.fifo`, Enabled: false }));
    const eventBus = `${prefix}-bus`;
    const eventBusArn = (await eventsc.send(new events.CreateEventBusCommand({ Name: eventBus }))).EventBusArn!;
    await eventsc.send(new events.PutRuleCommand({ Name: `${prefix}-rule`, EventPattern: '{"source":["wt"]}' }));
    await eventsc.send(new events.PutTargetsCommand({ Rule: `${prefix}-rule`, Targets: [{ Id: 't', Arn: queueArn }] }));
    const logGroup = `/${prefix}/group`;
    await logsc.send(new logs.CreateLogGroupCommand({ logGroupName: logGroup }));
    await logsc.send(new logs.CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: 'stream' }));
    await logsc.send(new logs.PutLogEventsCommand({ logGroupName: logGroup, logStreamName: 'stream', logEvents: [{ timestamp: Date.now(), message: '{"a":1} ERROR x' }] }));
    await cwc.send(new cw.PutMetricDataCommand({ Namespace: 'WT/ns', MetricData: [{ MetricName: 'm', Value: 1, Dimensions: [{ Name: 'd', Value: 'v' }] }] }));
    await cwc.send(new cw.PutMetricAlarmCommand({ AlarmName: `${prefix}-alarm`, Namespace: 'WT/ns', MetricName: 'm', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }));
    const secret = await secretsc.send(new secrets.CreateSecretCommand({ Name: `${prefix}-secret`, SecretString: '{"user":"u","password":"p"}' }));
    const parameterName = `/${prefix}/param`;
    await ssmc.send(new ssm.PutParameterCommand({ Name: parameterName, Value: 'v', Type: 'String' }));
    const r: SeededResources = {
      bucket,
      queueUrl,
      fifoQueueUrl,
      queueArn,
      receiptHandle: received.Messages?.[0]?.ReceiptHandle ?? 'none',
      topicArn,
      subscriptionArn,
      functionName: `${prefix}-fn`,
      functionArn: fn.FunctionArn!,
      mappingUuid: mapping.UUID!,
      eventBus,
      eventBusArn,
      ruleName: `${prefix}-rule`,
      logGroup,
      logGroupArn: `arn:aws:logs:us-east-1:000000000000:log-group:${logGroup}`,
      logStream: 'stream',
      alarmName: `${prefix}-alarm`,
      alarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${prefix}-alarm`,
      roleName: `${prefix}-role`,
      roleArn,
      instanceProfile: `${prefix}-profile`,
      policyArn,
      secretName: `${prefix}-secret`,
      secretArn: secret.ARN!,
      parameterName,
      allArns: [],
    };
    r.allArns = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/obj.csv`, queueArn, topicArn, subscriptionArn, r.functionArn, eventBusArn,
      `arn:aws:events:us-east-1:000000000000:rule/${prefix}-rule`, r.logGroupArn, r.alarmArn, roleArn, policyArn, r.secretArn,
      `arn:aws:ssm:us-east-1:000000000000:parameter${parameterName}`, 'arn:aws:dynamodb:us-east-1:000000000000:table/t', 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      'arn:aws-cn:sqs:cn-north-1:000000000000:q', 'arn:aws:sqs:eu-west-1:111111111111:q'];
    return r;
  } finally {
    for (const client of [s3c, sqsc, snsc, lambdac, eventsc, cwc, logsc, iamc, secretsc, ssmc]) client.destroy();
  }
}

export async function seedWellTyped(emu: RunningEmulator): Promise<{ targets: SeededResources; kept: SeededResources }> {
  const zip = makeZip({ 'index.js': HANDLER });
  const kept = await seedSet(emu, 'keep', zip);
  const targets = await seedSet(emu, 'wt', zip);
  return { targets, kept };
}

/**
 * Reads every kept resource, and lists each service's resources (which reads whatever the fuzzing stored).
 * Returns a description of each read that failed.
 */
export async function checkKept(emu: RunningEmulator, k: SeededResources): Promise<string[]> {
  const c = clientConfig(emu);
  const k3 = new s3.S3Client({ ...c, forcePathStyle: true });
  const kq = new sqs.SQSClient(c);
  const kn = new sns.SNSClient(c);
  const kl = new lambda.LambdaClient(c);
  const ke = new events.EventBridgeClient(c);
  const kg = new logs.CloudWatchLogsClient(c);
  const kc = new cw.CloudWatchClient(c);
  const ki = new iam.IAMClient(c);
  const kt = new sts.STSClient(c);
  const ks = new secrets.SecretsManagerClient(c);
  const km = new ssm.SSMClient(c);
  const reads: [string, () => Promise<unknown>][] = [
    ['s3 GetObject', () => k3.send(new s3.GetObjectCommand({ Bucket: k.bucket, Key: 'obj.csv' })).then((o) => o.Body!.transformToString())],
    // A raw request: once a Bucket of "\0" was sent, the SDK's endpoint cache (shared by every S3 client in the
    // process; it writes an absent parameter as "\0") sends every later ListBuckets to /%00/.
    ['s3 ListBuckets', async () => {
      const res = await fetch(`${emu.endpoint}/`);
      const body = await res.text();
      if (res.status !== 200 || !body.includes('<ListAllMyBucketsResult')) throw new Error(`ListBuckets answered ${res.status}: ${body.slice(0, 120)}`);
    }],
    ['sqs GetQueueAttributes', () => kq.send(new sqs.GetQueueAttributesCommand({ QueueUrl: k.queueUrl, AttributeNames: ['All'] }))],
    ['sqs ListQueues', () => kq.send(new sqs.ListQueuesCommand({}))],
    ['sns GetTopicAttributes', () => kn.send(new sns.GetTopicAttributesCommand({ TopicArn: k.topicArn }))],
    ['sns ListSubscriptions', () => kn.send(new sns.ListSubscriptionsCommand({}))],
    ['lambda GetFunction', () => kl.send(new lambda.GetFunctionCommand({ FunctionName: k.functionName }))],
    ['lambda Invoke', () => kl.send(new lambda.InvokeCommand({ FunctionName: k.functionName, Payload: Buffer.from('{}') })).then((o) => {
      if (o.FunctionError) throw new Error(`FunctionError ${o.FunctionError}`);
    })],
    ['lambda ListFunctions', () => kl.send(new lambda.ListFunctionsCommand({}))],
    ['events DescribeRule', () => ke.send(new events.DescribeRuleCommand({ Name: k.ruleName }))],
    ['events ListEventBuses', () => ke.send(new events.ListEventBusesCommand({}))],
    ['logs GetLogEvents', () => kg.send(new logs.GetLogEventsCommand({ logGroupName: k.logGroup, logStreamName: k.logStream }))],
    ['logs DescribeLogGroups', () => kg.send(new logs.DescribeLogGroupsCommand({}))],
    ['cloudwatch DescribeAlarms', () => kc.send(new cw.DescribeAlarmsCommand({ AlarmNames: [k.alarmName] })).then((o) => {
      if (o.MetricAlarms?.length !== 1) throw new Error('kept alarm missing');
    })],
    ['cloudwatch ListMetrics', () => kc.send(new cw.ListMetricsCommand({}))],
    ['iam GetRole', () => ki.send(new iam.GetRoleCommand({ RoleName: k.roleName }))],
    ['iam ListRoles', () => ki.send(new iam.ListRolesCommand({}))],
    ['iam ListPolicies', () => ki.send(new iam.ListPoliciesCommand({}))],
    ['sts GetCallerIdentity', () => kt.send(new sts.GetCallerIdentityCommand({}))],
    ['secretsmanager GetSecretValue', () => ks.send(new secrets.GetSecretValueCommand({ SecretId: k.secretName }))],
    ['secretsmanager ListSecrets', () => ks.send(new secrets.ListSecretsCommand({}))],
    ['ssm GetParameter', () => km.send(new ssm.GetParameterCommand({ Name: k.parameterName }))],
    ['ssm DescribeParameters', () => km.send(new ssm.DescribeParametersCommand({}))],
  ];
  const failures: string[] = [];
  for (const [label, read] of reads) {
    try {
      await read();
    } catch (err) {
      failures.push(`${label}: ${(err as Error).name} ${(err as Error).message}`.slice(0, 300));
    }
  }
  for (const client of [k3, kq, kn, kl, ke, kg, kc, ki, kt, ks, km]) client.destroy();
  return failures;
}
