import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { awsCli, CLIENTS, hasCommand, skipBecause } from '../helpers/cli';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * GetBucketLocation as S3 writes it, one element whose text is the Region, read by every client: the JS SDK, the
 * AWS CLI v1 and Debian's v2.9, and boto3 1.43 and Debian's 1.26 (botocore reads the root element's text).
 */
const emulator = useEmulator({ log: () => {} });
const run = promisify(execFile);

const BOTO = `
import boto3, json, sys
c = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t')
print(json.dumps([c.get_bucket_location(Bucket=b).get('LocationConstraint') for b in sys.argv[2:]]))
`;

beforeAll(async () => {
  const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true, region: 'eu-central-1' });
  await s3.send(new CreateBucketCommand({ Bucket: 'located-frankfurt', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
  await new S3Client({ ...clientConfig(emulator()), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'located-virginia' }));
});

it('reads the Region with the JS SDK', async () => {
  const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true });
  expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'located-frankfurt' }))).LocationConstraint).toBe('eu-central-1');
  expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'located-virginia' }))).LocationConstraint).toBeUndefined();
});

it.each([
  ['the AWS CLI v1', CLIENTS.awsCliV1],
  ["Debian's AWS CLI v2.9", CLIENTS.awsCliDebian],
])('reads the Region with %s', async (label, bin) => {
  if (!(await hasCommand(bin))) return skipBecause(`${label} (${bin}) is not installed`);
  const location = async (bucket: string) => JSON.parse(await awsCli(bin, emulator().endpoint, ['s3api', 'get-bucket-location', '--bucket', bucket])).LocationConstraint;
  expect(await location('located-frankfurt')).toBe('eu-central-1');
  expect(await location('located-virginia')).toBeNull();
});

it.each([
  ['boto3 on PATH', 'python3'],
  ["Debian's boto3", CLIENTS.debianPython],
])('reads the Region with %s', async (label, python) => {
  try {
    await run(python, ['-c', 'import boto3'], { timeout: 20_000 });
  } catch {
    return skipBecause(`${label}: ${python} cannot import boto3`);
  }
  const { stdout } = await run(python, ['-c', BOTO, emulator().endpoint, 'located-frankfurt', 'located-virginia'], { timeout: 60_000 });
  expect(JSON.parse(stdout)).toEqual(['eu-central-1', null]);
});
