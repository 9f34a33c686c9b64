import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, GetEventSourceMappingCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, GetBucketVersioningCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { CLIENTS, hasDebianAwsCli, skipBecause } from '../helpers/cli';
import { clientConfig } from '../helpers/emulator';

/**
 * examples/aws-cli-pipeline: provision.sh, check.sh and teardown.sh are bash + AWS CLI written for AWS. They
 * run unchanged against the embedded emulator: the only difference is AWS_ENDPOINT_URL in their environment.
 * Each variant provisions a pipeline, checks it end to end (report, logs, metrics, the failure path down to
 * the alert email), and tears it down; the emulator's own view confirms what the scripts claim.
 */

const run = promisify(execFile);
const EXAMPLE_DIR = path.resolve(__dirname, '../../examples/aws-cli-pipeline');
const SCRIPT_TIMEOUT_MS = 240_000;

interface Provisioned {
  name: string;
  handlerRuntime: 'python' | 'node';
  runtime: string;
  bucket: string;
  topicArn: string;
  alertEmail: string;
  subscriptionArn: string;
  dlqName: string;
  dlqUrl: string;
  dlqArn: string;
  roleName: string;
  roleArn: string;
  processor: string;
  processorArn: string;
  errorHandler: string;
  errorHandlerArn: string;
  eventSourceMapping: string;
  alarms: string[];
}

interface Email {
  protocol: string;
  endpoint: string;
  subject?: string;
  body: string;
}

interface Checked {
  bucket: string;
  key: string;
  versionId: string;
  report: Record<string, unknown>;
  processorLogLines: string[];
  invocations: number;
  badKey: string;
  failedAttempts: number;
  processorFailureLogLines: string[];
  errorHandlerLogLines: string[];
  alert: Email | null;
  emails: { subject?: string; body: string }[];
}

interface Variant {
  label: string;
  handlerRuntime: 'python' | 'node';
  /** The AWS CLI the scripts find as `aws` on PATH. */
  awsCli: 'path' | 'debian';
}

const ALL_VARIANTS: Variant[] = [
  { label: 'TypeScript handlers (nodejs20.x, esbuild), AWS CLI v1 on PATH', handlerRuntime: 'node', awsCli: 'path' },
  { label: "Python handlers (python3.12), Debian's AWS CLI v2.9 (/usr/bin/aws)", handlerRuntime: 'python', awsCli: 'debian' },
  { label: 'Python handlers (python3.12), AWS CLI v1 on PATH', handlerRuntime: 'python', awsCli: 'path' },
];
// Each variant costs a minute or more of CLI start-ups. The first two already cover both handler languages and
// both CLIs (JSON/CBOR and Query protocols); EXAMPLES_ALL_VARIANTS=1 adds the third combination.
const VARIANTS = process.env.EXAMPLES_ALL_VARIANTS === '1' ? ALL_VARIANTS : ALL_VARIANTS.slice(0, 2);

/** Why a variant cannot run on this machine (missing tools), or undefined when it can. */
function missingPrerequisite(v: Variant): string | undefined {
  if (v.awsCli === 'debian' && !hasDebianAwsCli()) return `${CLIENTS.awsCliDebian} is not installed (Debian package awscli)`;
  const python = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
  if (python.error) return 'python3 is not on PATH (the scripts zip with it; python functions run on it)';
  if (v.handlerRuntime === 'python' && python.status !== 0) {
    return 'boto3 is not importable by python3, which runs the python3.12 functions (install python3-boto3)';
  }
  return undefined;
}

let emu: RunningEmulator;
let scratch: string;
/** A directory whose `aws` is Debian's CLI, put first on PATH for the debian variant. */
let debianBin: string;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, timeScale: 0.001 });
  scratch = mkdtempSync(path.join(tmpdir(), 'aws-cli-pipeline-'));
  debianBin = path.join(scratch, 'debian-bin');
  if (hasDebianAwsCli()) {
    mkdirSync(debianBin);
    symlinkSync(CLIENTS.awsCliDebian, path.join(debianBin, 'aws'));
  }
});

afterAll(async () => {
  await emu?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The environment a developer would have: throwaway credentials, a region, no profile, the endpoint. */
function scriptEnv(v: Variant): NodeJS.ProcessEnv {
  return {
    PATH: v.awsCli === 'debian' ? `${debianBin}${path.delimiter}${process.env.PATH}` : process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    HANDLER_RUNTIME: v.handlerRuntime,
    // Under the emulator everything is quick; fail well before the test's own timeout.
    CHECK_TIMEOUT: '60',
    ALERT_TIMEOUT: '60',
  };
}

async function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run('bash', [path.join(EXAMPLE_DIR, script), ...args], {
      env,
      timeout: SCRIPT_TIMEOUT_MS,
      maxBuffer: 32 * 1024 * 1024,
    });
    return stdout;
  } catch (e) {
    const err = e as Error & { code?: number | string; signal?: string; stderr?: string };
    const stderr = String(err.stderr ?? '').split('\n').slice(-40).join('\n');
    throw new Error(`${script} failed (exit ${err.code ?? '?'}${err.signal ? `, ${err.signal}` : ''}):\n${stderr}`);
  }
}

const clients = () => {
  const config = clientConfig(emu);
  return {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    cloudwatch: new CloudWatchClient(config),
    iam: new IAMClient(config),
  };
};

async function harnessGet<T>(pathAndQuery: string): Promise<T> {
  const res = await fetch(`${emu.endpoint}${pathAndQuery}`);
  if (!res.ok) throw new Error(`GET ${pathAndQuery}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** What provision.sh claims, checked against the emulator's own state. */
async function expectProvisioned(p: Provisioned, v: Variant): Promise<void> {
  const c = clients();
  expect(p.name).toMatch(/^csv-pipeline-[a-z0-9]{6}$/);
  expect(p.runtime).toBe(v.handlerRuntime === 'python' ? 'python3.12' : 'nodejs20.x');

  const versioning = await c.s3.send(new GetBucketVersioningCommand({ Bucket: p.bucket }));
  expect(versioning.Status).toBe('Enabled');
  const notifications = await c.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: p.bucket }));
  expect(notifications.LambdaFunctionConfigurations).toEqual([
    expect.objectContaining({
      LambdaFunctionArn: p.processorArn,
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: expect.stringMatching(/^prefix$/i), Value: 'data/' }] } },
    }),
  ]);

  const processor = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: p.processor }));
  expect(processor).toMatchObject({ Runtime: p.runtime, Role: p.roleArn, State: 'Active', DeadLetterConfig: { TargetArn: p.dlqArn } });
  const errorHandler = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: p.errorHandler }));
  expect(errorHandler).toMatchObject({ Runtime: p.runtime, State: 'Active' });
  expect(errorHandler.Environment?.Variables).toMatchObject({ ALERT_TOPIC_ARN: p.topicArn });
  const mapping = await c.lambda.send(new GetEventSourceMappingCommand({ UUID: p.eventSourceMapping }));
  expect(mapping).toMatchObject({
    EventSourceArn: p.dlqArn,
    FunctionArn: p.errorHandlerArn,
    BatchSize: 10,
    MaximumBatchingWindowInSeconds: 5,
    State: 'Enabled',
  });

  const subscriptions = await c.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: p.topicArn }));
  expect(subscriptions.Subscriptions).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: p.alertEmail })]);
  const policy = await c.iam.send(new GetRolePolicyCommand({ RoleName: p.roleName, PolicyName: 'pipeline' }));
  expect(decodeURIComponent(policy.PolicyDocument!)).toContain(p.dlqArn);

  const { MetricAlarms = [] } = await c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: p.alarms }));
  const alarm = (name: string) => MetricAlarms.find((a) => a.AlarmName === name);
  expect(MetricAlarms).toHaveLength(3);
  for (const a of MetricAlarms) expect(a.AlarmActions).toEqual([p.topicArn]);
  expect(alarm(`${p.processor}-errors`)).toMatchObject({
    Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  });
  expect(alarm(`${p.dlqName}-depth`)).toMatchObject({
    Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 5, ComparisonOperator: 'GreaterThanThreshold',
  });
  expect(alarm(`${p.processor}-duration`)).toMatchObject({
    Namespace: 'AWS/Lambda', MetricName: 'Duration', Statistic: 'Average', ComparisonOperator: 'GreaterThanThreshold',
  });
}

/** What check.sh saw: the report of the valid file, logs, metrics, and the failure path down to the email. */
function expectChecked(checked: Checked, p: Provisioned, v: Variant): void {
  const badObject = `s3://${p.bucket}/data/bad.csv`;
  expect(checked.versionId).toMatch(/^[\w.-]+$/);
  expect(checked.versionId).not.toBe('null');
  expect(checked.report).toEqual({
    bucket: p.bucket,
    key: 'data/x.csv',
    versionId: checked.versionId,
    size: 54,
    columns: ['id', 'name', 'amount'],
    rows: 3,
    runtime: v.handlerRuntime,
    status: 'ok',
  });
  expect(checked.processorLogLines.some((l) => l.startsWith('START RequestId: '))).toBe(true);
  expect(checked.processorLogLines.some((l) => l.startsWith('REPORT RequestId: '))).toBe(true);
  expect(checked.processorLogLines.some((l) => l.includes('"processed"') && l.includes('data/x.csv'))).toBe(true);
  expect(checked.invocations).toBeGreaterThanOrEqual(1);

  // The first attempt and Lambda's two retries, each failing on the ragged row.
  expect(checked.failedAttempts).toBe(3);
  for (const line of checked.processorFailureLogLines) expect(line).toContain('line 3 has 3 columns, the header has 2');
  expect(checked.errorHandlerLogLines.some((l) => l.includes('alert published') && l.includes(badObject))).toBe(true);

  expect(checked.alert).toMatchObject({ protocol: 'email', endpoint: p.alertEmail, subject: `Pipeline failure in ${p.processor}` });
  expect(checked.alert!.body).toContain(`${p.processor} failed on ${badObject} after all retries.`);
  expect(checked.alert!.body).toContain('Error: ');
  expect(checked.alert!.body).toContain('line 3 has 3 columns, the header has 2');
  // The Errors alarm went off too, and mailed the same topic.
  expect(checked.emails.map((e) => e.subject)).toContain(`ALARM: "${p.processor}-errors" in US East (N. Virginia)`);
}

/** The alert emails about the invalid file, once the DLQ is drained and the error handler idle. */
async function alertsWhenSettled(p: Provisioned): Promise<(string | undefined)[]> {
  const c = clients();
  const badObject = `s3://${p.bucket}/data/bad.csv`;
  await waitFor(
    async () => {
      const { messages } = await harnessGet<{ messages: unknown[] }>(`/_harness/queues/peek?queue=${encodeURIComponent(p.dlqUrl)}`);
      if (messages.length > 0) return false;
      const lines: string[] = [];
      for await (const page of paginateFilterLogEvents({ client: c.logs }, { logGroupName: `/aws/lambda/${p.errorHandler}` })) {
        for (const e of page.events ?? []) lines.push(e.message ?? '');
      }
      const starts = lines.filter((l) => l.startsWith('START ')).length;
      const reports = lines.filter((l) => l.startsWith('REPORT ')).length;
      return starts > 0 && starts === reports;
    },
    { timeoutMs: 30_000, what: `${p.dlqName} to be drained and ${p.errorHandler} to be idle` },
  );
  const { deliveries } = await harnessGet<{ deliveries: (Email & { topicArn: string; type: string })[] }>('/_harness/outbox');
  const alerts = deliveries.filter((d) => d.topicArn === p.topicArn && d.type === 'Notification' && d.body.includes(badObject));
  return alerts.map((a) => a.subject);
}

/** After teardown.sh, nothing of the pipeline is left. */
async function expectTornDown(p: Provisioned): Promise<void> {
  const c = clients();
  const { Buckets = [] } = await c.s3.send(new ListBucketsCommand({}));
  expect(Buckets.map((b) => b.Name)).not.toContain(p.bucket);
  const { Functions = [] } = await c.lambda.send(new ListFunctionsCommand({}));
  expect(Functions.map((f) => f.FunctionName).filter((n) => n?.startsWith(p.name))).toEqual([]);
  await expect(c.lambda.send(new GetEventSourceMappingCommand({ UUID: p.eventSourceMapping }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
  });
  const { QueueUrls = [] } = await c.sqs.send(new ListQueuesCommand({ QueueNamePrefix: p.name }));
  expect(QueueUrls).toEqual([]);
  const { Topics = [] } = await c.sns.send(new ListTopicsCommand({}));
  expect(Topics.map((t) => t.TopicArn)).not.toContain(p.topicArn);
  const { MetricAlarms = [] } = await c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: p.name }));
  expect(MetricAlarms).toEqual([]);
  await expect(c.iam.send(new GetRoleCommand({ RoleName: p.roleName }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  const { logGroups = [] } = await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${p.name}` }));
  expect(logGroups).toEqual([]);
}

describe('examples/aws-cli-pipeline: provision.sh, check.sh, teardown.sh against the emulator', () => {
  for (const v of VARIANTS) {
    const missing = missingPrerequisite(v);
    if (missing) {
      skipBecause(`aws-cli-pipeline (${v.label}): ${missing}`);
      it.skip(v.label, () => undefined);
      continue;
    }
    it(
      v.label,
      async () => {
        const env = scriptEnv(v);
        const provisioned = JSON.parse(await runScript('provision.sh', [], env)) as Provisioned;
        expect(provisioned.handlerRuntime).toBe(v.handlerRuntime);
        await expectProvisioned(provisioned, v);
        const stateFile = path.join(scratch, `${provisioned.name}.json`);
        writeFileSync(stateFile, JSON.stringify(provisioned));

        const checked = JSON.parse(await runScript('check.sh', [stateFile], env)) as Checked;
        expectChecked(checked, provisioned, v);
        const alerts = await alertsWhenSettled(provisioned);

        await runScript('teardown.sh', [stateFile], env);
        await expectTornDown(provisioned);

        // One failed event, one dead-letter message, one alert: the DLQ's visibility timeout (180 s) is far
        // longer than the error handler runs, so the mapping must not hand the message out again.
        expect(alerts).toEqual([`Pipeline failure in ${provisioned.processor}`]);
      },
      3 * SCRIPT_TIMEOUT_MS,
    );
  }
});
