import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { usePersistentEmulator } from '../helpers/emulator';
import { refused } from './refused';

/**
 * With signatures verified, an Active IAM access key signs requests to every service; once Inactive or deleted it
 * is refused as an unknown key. Users and keys survive a restart with `dataDir`.
 */
const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' };
const { emulator, restart } = usePersistentEmulator('persist-iam-keys', { verifySignatures: true, credentials: { [ADMIN.accessKeyId]: ADMIN.secretAccessKey } });

type Keys = { accessKeyId: string; secretAccessKey: string };
const config = (credentials: Keys) => ({ endpoint: emulator().endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

it("signs with a new user's key until it is deactivated or deleted, across a restart", async () => {
  const admin = new IAMClient(config(ADMIN));
  const { User } = await admin.send(new CreateUserCommand({ UserName: 'deployer', Path: '/ci/' }));
  const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'deployer' }))).AccessKey!;
  const keys = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  admin.destroy();

  const identity = async () => {
    const sts = new STSClient(config(keys));
    try {
      return await sts.send(new GetCallerIdentityCommand({}));
    } finally {
      sts.destroy();
    }
  };
  const listQueues = async () => {
    const sqs = new SQSClient(config(keys));
    try {
      return await sqs.send(new ListQueuesCommand({}));
    } finally {
      sqs.destroy();
    }
  };
  const listBuckets = async () => {
    const s3 = new S3Client({ ...config(keys), forcePathStyle: true });
    try {
      return await s3.send(new ListBucketsCommand({}));
    } finally {
      s3.destroy();
    }
  };

  expect(await identity()).toMatchObject({ Arn: 'arn:aws:iam::000000000000:user/ci/deployer', UserId: User!.UserId, Account: '000000000000' });
  expect((await listQueues()).$metadata.httpStatusCode).toBe(200);
  expect((await listBuckets()).$metadata.httpStatusCode).toBe(200);
  const wrongSecret = new STSClient(config({ ...keys, secretAccessKey: 'x'.repeat(40) }));
  expect(await refused(wrongSecret.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
  wrongSecret.destroy();

  await restart();
  let iam = new IAMClient(config(ADMIN));
  expect((await iam.send(new GetUserCommand({ UserName: 'deployer' }))).User!.UserId).toBe(User!.UserId);
  expect((await identity()).Arn).toBe('arn:aws:iam::000000000000:user/ci/deployer');
  const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.accessKeyId }));
  expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: 'sts', Region: 'us-east-1', LastUsedDate: expect.any(Date) });

  await iam.send(new UpdateAccessKeyCommand({ UserName: 'deployer', AccessKeyId: keys.accessKeyId, Status: 'Inactive' }));
  expect(await refused(identity())).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  expect(await refused(listQueues())).toMatchObject({ status: 403 });
  expect(await refused(listBuckets())).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });

  await iam.send(new UpdateAccessKeyCommand({ UserName: 'deployer', AccessKeyId: keys.accessKeyId, Status: 'Active' }));
  expect((await listQueues()).$metadata.httpStatusCode).toBe(200);
  iam.destroy();

  // Deleted, and still deleted after a restart.
  iam = new IAMClient(config(ADMIN));
  await iam.send(new DeleteAccessKeyCommand({ UserName: 'deployer', AccessKeyId: keys.accessKeyId }));
  iam.destroy();
  await restart();
  expect(await refused(identity())).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  expect(await refused(listBuckets())).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
});

it('a reset forgets users and their keys', async () => {
  const admin = new IAMClient(config(ADMIN));
  await admin.send(new CreateUserCommand({ UserName: 'temporary' }));
  const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'temporary' }))).AccessKey!;
  admin.destroy();
  await emulator().reset();
  const sts = new STSClient(config({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }));
  expect(await refused(sts.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId' });
  sts.destroy();
  const iam = new IAMClient(config(ADMIN));
  expect(await refused(iam.send(new GetUserCommand({ UserName: 'temporary' })))).toMatchObject({ name: 'NoSuchEntityException' });
  iam.destroy();
});
