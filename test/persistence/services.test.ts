import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient, ListRulesCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, GetEventSourceMappingCommand, GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';
import { makeZip } from '../lambda-runtime/helpers';

/**
 * `dataDir`: SNS topics and subscriptions, Lambda functions (package, configuration, tags) and their SQS
 * mappings, IAM roles and EventBridge rules come back after a stop and start — and work: a publish reaches
 * the restored subscription, the restored mapping polls and invokes the restored function.
 */

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
let dir: string;
let emu: RunningEmulator | undefined;
const start = async () => (emu = await startEmulator({ port: 0, dataDir: dir, log: () => {} }));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-services-'));
  await start();
});
afterAll(async () => {
  await emu?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('brings back topics, subscriptions, functions, mappings, roles and rules, working', async () => {
  const clients = () => ({
    sns: new SNSClient(clientConfig(emu!)),
    sqs: new SQSClient(clientConfig(emu!)),
    lambda: new LambdaClient(clientConfig(emu!)),
    iam: new IAMClient(clientConfig(emu!)),
    events: new EventBridgeClient(clientConfig(emu!)),
  });
  let c = clients();
  await c.iam.send(new CreateRoleCommand({ RoleName: 'kept-role', AssumeRolePolicyDocument: '{}' }));
  await c.events.send(new PutRuleCommand({ Name: 'kept-rule', EventPattern: JSON.stringify({ source: ['aws.s3'] }) }));
  const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: 'kept-topic' }));
  const fanned = await c.sqs.send(new CreateQueueCommand({ QueueName: 'fanned' }));
  const fannedArn = `arn:aws:sqs:us-east-1:000000000000:fanned`;
  await c.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: fannedArn, Attributes: { RawMessageDelivery: 'true' } }));
  const work = await c.sqs.send(new CreateQueueCommand({ QueueName: 'work', Attributes: { VisibilityTimeout: '30' } }));
  const zip = makeZip([{ name: 'index.js', content: "exports.handler = async (e) => ({ seen: e.Records ? e.Records.length : e.n * 2 });" }]);
  await c.lambda.send(new CreateFunctionCommand({ FunctionName: 'kept-fn', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Tags: { team: 'a' } }));
  const mapping = await c.lambda.send(
    new CreateEventSourceMappingCommand({ FunctionName: 'kept-fn', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:work', BatchSize: 1 }),
  );
  await waitFor(async () => (await c.lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }))).State === 'Enabled', { timeoutMs: 5000, what: 'mapping enabled' });
  for (const x of Object.values(c)) x.destroy();

  await emu!.stop();
  await start();
  c = clients();
  expect((await c.iam.send(new GetRoleCommand({ RoleName: 'kept-role' }))).Role!.RoleName).toBe('kept-role');
  expect((await c.events.send(new ListRulesCommand({}))).Rules!.map((r) => r.Name)).toContain('kept-rule');
  const subs = await c.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
  expect(subs.Subscriptions!.map((s) => s.Endpoint)).toEqual([fannedArn]);
  await c.sns.send(new PublishCommand({ TopicArn, Message: 'after restart' }));
  const got = await waitFor(async () => (await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: fanned.QueueUrl, WaitTimeSeconds: 1 }))).Messages, { timeoutMs: 5000, what: 'fanned message' });
  expect(got[0]!.Body).toBe('after restart');

  const fn = await c.lambda.send(new GetFunctionCommand({ FunctionName: 'kept-fn' }));
  expect(fn.Configuration).toMatchObject({ State: 'Active', Runtime: 'nodejs20.x', Handler: 'index.handler' });
  expect(fn.Tags).toEqual({ team: 'a' });
  const out = await c.lambda.send(new InvokeCommand({ FunctionName: 'kept-fn', Payload: JSON.stringify({ n: 21 }) }));
  expect(JSON.parse(Buffer.from(out.Payload!).toString())).toEqual({ seen: 42 });
  expect((await c.lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }))).State).toBe('Enabled');
  // The restored mapping polls: a message sent now is consumed (invoked, succeeded, deleted).
  await c.sqs.send(new SendMessageCommand({ QueueUrl: work.QueueUrl, MessageBody: 'consume me' }));
  await waitFor(
    async () => {
      const a = (await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: work.QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
      return a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0';
    },
    { timeoutMs: 10_000, what: 'the restored mapping to consume the message' },
  );
  for (const x of Object.values(c)) x.destroy();
});
