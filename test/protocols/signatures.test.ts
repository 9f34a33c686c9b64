import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { useEmulator } from '../helpers/emulator';

const emulator = useEmulator({ verifySignatures: true, credentials: { AKIDHARNESS: 'right-secret' } });
const config = (accessKeyId: string, secretAccessKey: string) => ({
  endpoint: emulator().endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId, secretAccessKey },
});

describe('--verify-signatures', () => {
  it('accepts correctly signed JSON and Query requests', async () => {
    await expect(new CloudWatchLogsClient(config('AKIDHARNESS', 'right-secret')).send(new DescribeLogGroupsCommand({}))).resolves.toBeDefined();
    await expect(new IAMClient(config('AKIDHARNESS', 'right-secret')).send(new ListRolesCommand({}))).resolves.toBeDefined();
  });

  it('answers SignatureDoesNotMatch (403) for a wrong secret', async () => {
    const err = await new STSClient(config('AKIDHARNESS', 'wrong')).send(new GetCallerIdentityCommand({})).catch((e) => e);
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('answers InvalidClientTokenId (403) for an unknown access key', async () => {
    const err = await new CloudWatchLogsClient(config('AKIDUNKNOWN', 'x')).send(new DescribeLogGroupsCommand({})).catch((e) => e);
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.name).toBe('InvalidClientTokenId');
  });
});
