import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { useEmulator } from '../helpers/emulator';
import { awsCli, CLIENTS, hasDebianAwsCli, skipBecause } from '../helpers/cli';
import { waitFor } from '../../harness/wait';

/**
 * The older Query protocols, driven by real clients: Debian's boto3 1.26 and AWS CLI v2.9 (SQS over Query),
 * through the S3 → SNS → SQS path and the SQS redrive. (`npm test` covers the current JSON protocol with the SDK
 * and the image's AWS CLI v1.)
 */
const run = promisify(execFile);
const emulator = useEmulator();

const hasDebianBoto3 = (): boolean => {
  if (!existsSync(CLIENTS.debianPython)) return false;
  try {
    require('node:child_process').execFileSync(CLIENTS.debianPython, ['-c', 'import boto3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe("Debian's boto3 1.26 (Query protocol)", () => {
  it('delivers an S3 event through SNS to SQS, and redrives a poison message after maxReceiveCount', async () => {
    if (!hasDebianBoto3()) return skipBecause("Debian's python3-boto3 is not installed (.ci/run installs it)");
    const { stdout } = await run(CLIENTS.debianPython, [path.join(__dirname, 'query-clients.py'), emulator().endpoint, 'b1'], {
      timeout: 60_000,
      env: { PATH: process.env.PATH, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    const out = JSON.parse(stdout);
    expect(out.boto3).toMatch(/^1\.26\./);
    const envelopes = out.envelopes as { Type: string; Message: string; TopicArn: string }[];
    const s3Events = envelopes.map((e) => JSON.parse(e.Message)).filter((m) => m.Records);
    expect(envelopes.every((e) => e.Type === 'Notification' && e.TopicArn.endsWith(':py-topic-b1'))).toBe(true);
    // The s3:TestEvent came first, when the configuration was saved.
    expect(envelopes.map((e) => JSON.parse(e.Message)).some((m) => m.Event === 's3:TestEvent')).toBe(true);
    expect(s3Events).toHaveLength(1);
    expect(s3Events[0].Records[0]).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'py-b1' }, object: { key: 'data/red+flower.csv', size: 8 } } });
    expect(out.receiveCounts).toEqual([['1'], ['2'], []]);
    expect(out.dlq).toHaveLength(1);
    expect(out.dlq[0]).toMatchObject({ Body: 'poison', MessageAttributes: { kind: { StringValue: 'test', DataType: 'String' } } });
    expect(out.dlq[0].Attributes.DeadLetterQueueSourceArn).toMatch(/:py-src-b1$/);
  });
});

describe("Debian's AWS CLI v2.9 (Query protocol)", () => {
  it('delivers an S3 event through SNS to SQS, and redrives after maxReceiveCount', async () => {
    if (!hasDebianAwsCli()) return skipBecause("Debian's awscli is not installed (.ci/run installs it)");
    const cli = (...args: string[]) => awsCli(CLIENTS.awsCliDebian, emulator().endpoint, args).then((o) => (o.trim() ? JSON.parse(o) : {}));
    await cli('s3api', 'create-bucket', '--bucket', 'cli-b2');
    const { TopicArn } = await cli('sns', 'create-topic', '--name', 'cli-topic-b2');
    const { QueueUrl } = await cli('sqs', 'create-queue', '--queue-name', 'cli-queue-b2');
    const { Attributes } = await cli('sqs', 'get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'QueueArn');
    await cli('sns', 'subscribe', '--topic-arn', TopicArn, '--protocol', 'sqs', '--notification-endpoint', Attributes.QueueArn, '--attributes', 'RawMessageDelivery=true');
    await cli('s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-b2', '--notification-configuration', JSON.stringify({ TopicConfigurations: [{ TopicArn, Events: ['s3:ObjectCreated:*'] }] }));
    await cli('s3api', 'put-object', '--bucket', 'cli-b2', '--key', 'data/x.csv', '--body', path.join(__dirname, 'query-clients.py'));
    const bodies: string[] = [];
    await waitFor(
      async () => {
        const r = await cli('sqs', 'receive-message', '--queue-url', QueueUrl, '--max-number-of-messages', '10');
        for (const m of r.Messages ?? []) {
          bodies.push(m.Body);
          await cli('sqs', 'delete-message', '--queue-url', QueueUrl, '--receipt-handle', m.ReceiptHandle);
        }
        return bodies.some((b) => JSON.parse(b).Records);
      },
      { timeoutMs: 60_000, what: 'the S3 event in the queue', describe: () => bodies.join('\n') },
    );
    // Raw delivery: the bare S3 event, no SNS envelope.
    const event = bodies.map((b) => JSON.parse(b)).find((b) => b.Records);
    expect(event.Records[0].s3.object.key).toBe('data/x.csv');

    const dlq = await cli('sqs', 'create-queue', '--queue-name', 'cli-dlq-b2');
    const dlqArn = (await cli('sqs', 'get-queue-attributes', '--queue-url', dlq.QueueUrl, '--attribute-names', 'QueueArn')).Attributes.QueueArn;
    const src = await cli('sqs', 'create-queue', '--queue-name', 'cli-src-b2', '--attributes', JSON.stringify({ VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) }));
    await cli('sqs', 'send-message', '--queue-url', src.QueueUrl, '--message-body', 'poison');
    const first = await cli('sqs', 'receive-message', '--queue-url', src.QueueUrl);
    expect(first.Messages).toHaveLength(1);
    const second = await cli('sqs', 'receive-message', '--queue-url', src.QueueUrl);
    expect(second.Messages ?? []).toHaveLength(0);
    const moved = await cli('sqs', 'receive-message', '--queue-url', dlq.QueueUrl);
    expect(moved.Messages?.[0]?.Body).toBe('poison');
  });
});

describe('s3cmd (SigV2/SigV4 S3 client)', () => {
  it('puts, lists and gets an object', async () => {
    if (!existsSync('/usr/bin/s3cmd')) return skipBecause('s3cmd is not installed (.ci/run installs it)');
    const host = emulator().endpoint.replace('http://', '');
    const args = ['--access_key=test', '--secret_key=test', `--host=${host}`, `--host-bucket=${host}`, '--no-ssl', '--region=us-east-1', '--no-check-certificate'];
    const s3cmd = (...a: string[]) => run('/usr/bin/s3cmd', [...args, ...a], { timeout: 30_000, env: { PATH: process.env.PATH, HOME: '/tmp' } });
    await s3cmd('mb', 's3://s3cmd-bucket');
    await s3cmd('put', path.join(__dirname, 'query-clients.py'), 's3://s3cmd-bucket/dir/file.py');
    const { stdout } = await s3cmd('ls', 's3://s3cmd-bucket/dir/');
    expect(stdout).toContain('s3://s3cmd-bucket/dir/file.py');
    const got = await s3cmd('get', '--force', 's3://s3cmd-bucket/dir/file.py', '-');
    expect(got.stdout).toContain('Drives the emulator');
  });
});
