import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

/** Access keys without signature verification: their lifecycle, and who a request signed with one comes from. */
const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));

describe('IAM access keys', () => {
  it('creates at most two keys per user, lists, deactivates and deletes them', async () => {
    const c = iam();
    await c.send(new CreateUserCommand({ UserName: 'keyed' }));
    const first = (await c.send(new CreateAccessKeyCommand({ UserName: 'keyed' }))).AccessKey!;
    expect(first).toMatchObject({ UserName: 'keyed', Status: 'Active' });
    expect(first.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(first.SecretAccessKey).toHaveLength(40);
    const second = (await c.send(new CreateAccessKeyCommand({ UserName: 'keyed' }))).AccessKey!;
    expect(await refused(c.send(new CreateAccessKeyCommand({ UserName: 'keyed' })))).toMatchObject({ name: 'LimitExceededException', status: 409, message: 'Cannot exceed quota for AccessKeysPerUser: 2' });

    const listed = await c.send(new ListAccessKeysCommand({ UserName: 'keyed' }));
    expect(listed.AccessKeyMetadata!.map((k) => [k.AccessKeyId, k.Status])).toEqual([[first.AccessKeyId, 'Active'], [second.AccessKeyId, 'Active']]);
    expect(listed.AccessKeyMetadata![0]).not.toHaveProperty('SecretAccessKey');

    await c.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: first.AccessKeyId, Status: 'Inactive' }));
    expect((await c.send(new ListAccessKeysCommand({ UserName: 'keyed' }))).AccessKeyMetadata![0]!.Status).toBe('Inactive');
    expect(await refused(c.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: first.AccessKeyId, Status: 'Off' as never })))).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(await refused(c.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })))).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.',
    });

    expect(await refused(c.send(new DeleteUserCommand({ UserName: 'keyed' })))).toMatchObject({ name: 'DeleteConflictException', message: 'Cannot delete entity, must delete access keys first.' });
    const lastUsed = await c.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: second.AccessKeyId }));
    expect(lastUsed).toMatchObject({ UserName: 'keyed', AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
    for (const k of [first, second]) await c.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: k.AccessKeyId }));
    expect((await c.send(new ListAccessKeysCommand({ UserName: 'keyed' }))).AccessKeyMetadata).toEqual([]);
    await c.send(new DeleteUserCommand({ UserName: 'keyed' }));
    c.destroy();
  });

  it('takes the caller as the user when no UserName is given, and STS names that user', async () => {
    const admin = iam();
    const { User } = await admin.send(new CreateUserCommand({ UserName: 'self', Path: '/ci/' }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'self' }))).AccessKey!;
    const credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };

    const asUser = new IAMClient({ ...clientConfig(emulator()), credentials });
    expect((await asUser.send(new GetUserCommand({}))).User).toMatchObject({ UserName: 'self', UserId: User!.UserId });
    const own = (await asUser.send(new CreateAccessKeyCommand({}))).AccessKey!;
    expect(own.UserName).toBe('self');
    expect((await asUser.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([key.AccessKeyId, own.AccessKeyId]);
    await asUser.send(new DeleteAccessKeyCommand({ AccessKeyId: own.AccessKeyId }));
    // The configured credentials are the root's: no UserName means the root's keys, which IAM does not hold.
    expect((await admin.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toEqual([]);
    expect(await refused(admin.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKeyId })))).toMatchObject({ name: 'NoSuchEntityException' });

    const sts = new STSClient({ ...clientConfig(emulator()), credentials });
    expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Arn: 'arn:aws:iam::000000000000:user/ci/self', UserId: User!.UserId, Account: '000000000000' });
    asUser.destroy();
    sts.destroy();
    admin.destroy();
  });
});
