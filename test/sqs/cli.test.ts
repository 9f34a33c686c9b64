import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startSqsServer, type SqsTestServer } from './helpers';

/**
 * A send/receive/delete round trip driven by the AWS CLI: v1 on PATH (botocore 1.4x: SQS over AWS JSON)
 * and, when installed, Debian's v2.9 at /usr/bin/aws (SQS over the Query protocol).
 */

const run = promisify(execFile);
const CLIS = [
  { label: 'aws (PATH, JSON protocol)', bin: 'aws' },
  { label: '/usr/bin/aws (Query protocol)', bin: '/usr/bin/aws' },
].filter((c) => c.bin === 'aws' || existsSync(c.bin));

let s: SqsTestServer;
beforeAll(async () => {
  s = await startSqsServer();
});
afterAll(() => s.stop());

async function cli(bin: string, args: string[]): Promise<any> {
  const { stdout } = await run(bin, ['--endpoint-url', s.endpoint, '--output', 'json', 'sqs', ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null' },
    timeout: 30_000,
  });
  return stdout.trim() ? JSON.parse(stdout) : {};
}

describe.each(CLIS)('$label', ({ bin }) => {
  it('creates a queue, sends with attributes, receives and deletes', async () => {
    const name = `cli-${bin.replace(/\W/g, '')}`;
    const { QueueUrl } = await cli(bin, ['create-queue', '--queue-name', name, '--attributes', 'VisibilityTimeout=60']);
    expect(QueueUrl).toBe(`${s.endpoint}/000000000000/${name}`);
    const sent = await cli(bin, [
      'send-message',
      '--queue-url',
      QueueUrl,
      '--message-body',
      'hello from the CLI',
      '--message-attributes',
      '{"kind":{"DataType":"String","StringValue":"greeting"},"n":{"DataType":"Number","StringValue":"3"}}',
    ]);
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update('hello from the CLI').digest('hex'));
    const got = await cli(bin, ['receive-message', '--queue-url', QueueUrl, '--message-attribute-names', 'All', '--attribute-names', 'All']);
    expect(got.Messages).toHaveLength(1);
    const m = got.Messages[0];
    expect(m.Body).toBe('hello from the CLI');
    expect(m.MessageId).toBe(sent.MessageId);
    expect(m.MessageAttributes).toEqual({ kind: { DataType: 'String', StringValue: 'greeting' }, n: { DataType: 'Number', StringValue: '3' } });
    expect(m.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(m.Attributes.ApproximateReceiveCount).toBe('1');
    await cli(bin, ['delete-message', '--queue-url', QueueUrl, '--receipt-handle', m.ReceiptHandle]);
    const attrs = await cli(bin, ['get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'All']);
    expect(attrs.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0', VisibilityTimeout: '60' });
  });
});
