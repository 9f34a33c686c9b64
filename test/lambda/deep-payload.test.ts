import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateEventSourceMappingCommand, InvokeCommand, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { useEmulator } from '../helpers/emulator';
import { deployNode, uniqueName, useLambdaAndSqs } from './helpers';

/*
 * JSON nested thousands of levels deep (20 KB of brackets) in Lambda's records: an async invocation's destination
 * record embeds the request payload, and JSON.stringify of it threw a RangeError off any request (the unhandled
 * rejection ended the process); an event source mapping's filter matched against such a body threw on every
 * batch holding it, so the messages beside it were never processed either.
 */
const emulator = useEmulator({ timeScale: 0.001 });
const { lambda, sqs, dir } = useLambdaAndSqs(emulator);
const deepArray = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

describe('Lambda async destinations with a deeply nested payload', () => {
  it('delivers the on-success record, with the payload as text', async () => {
    const url = (await sqs().send(new CreateQueueCommand({ QueueName: uniqueName('deep-success') }))).QueueUrl!;
    const arn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const name = uniqueName('deep');
    await deployNode(lambda(), name, `exports.handler = async () => 'ok';`);
    await lambda().send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, DestinationConfig: { OnSuccess: { Destination: arn } } }));

    const deep = `{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const out = await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(deep) }));
    expect(out.StatusCode).toBe(202);

    const message = await waitFor(async () => (await sqs().send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0], { what: 'the on-success record' });
    const record = JSON.parse(message.Body!);
    expect(record.requestContext).toMatchObject({ condition: 'Success' });
    expect(record.requestPayload).toBe(deep);
    expect(record.responsePayload).toBe('ok');
  });
});

describe('SQS event source filters with a deeply nested body', () => {
  it('drops the deep message as not matching and delivers the others', async () => {
    const url = (await sqs().send(new CreateQueueCommand({ QueueName: uniqueName('deep-filter'), Attributes: { VisibilityTimeout: '1000' } }))).QueueUrl!;
    const arn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const file = path.join(dir(), `${uniqueName('deep-filter')}.jsonl`);
    const name = uniqueName('deep-filter-fn');
    await deployNode(lambda(), name, `const fs = require('fs'); exports.handler = async (e) => { for (const r of e.Records) fs.appendFileSync(${JSON.stringify(file)}, r.body + '\\n'); };`);
    await lambda().send(
      new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: arn, FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { x: [1] } }) }] } }),
    );
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'deep', MessageBody: `{"x":${deepArray(10_000)},"n":0}` },
          { Id: 'plain', MessageBody: '{"x":[1],"n":1}' },
        ],
      }),
    );
    // A whole line only: the function's append creates the file before it writes to it (CI once read it empty).
    const delivered = await waitFor(
      () => {
        const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
        return text.endsWith('\n') && text.trim().split('\n');
      },
      { what: 'the matching message to reach the function' },
    );
    expect(delivered.map((body) => JSON.parse(body).n)).toEqual([1]);
  });
});
