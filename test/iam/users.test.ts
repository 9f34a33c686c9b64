import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutRolePermissionsBoundaryCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));
const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

describe('IAM users', () => {
  it('creates a user with a path, tags and a permissions boundary, and reads it back', async () => {
    const c = iam();
    const boundary = (await c.send(new CreatePolicyCommand({ PolicyName: 'boundary', PolicyDocument: doc('s3:*') }))).Policy!.Arn!;
    const { User } = await c.send(new CreateUserCommand({ UserName: 'alice', Path: '/team/', PermissionsBoundary: boundary, Tags: [{ Key: 'env', Value: 'test' }] }));
    expect(User).toMatchObject({ UserName: 'alice', Path: '/team/', Arn: 'arn:aws:iam::000000000000:user/team/alice', Tags: [{ Key: 'env', Value: 'test' }] });
    expect(User!.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    const got = (await c.send(new GetUserCommand({ UserName: 'alice' }))).User!;
    expect(got).toMatchObject({ UserId: User!.UserId, PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: boundary } });
    expect((await c.send(new GetPolicyCommand({ PolicyArn: boundary }))).Policy!.PermissionsBoundaryUsageCount).toBe(1);
    // A policy used as a boundary cannot be deleted.
    expect(await refused(c.send(new DeletePolicyCommand({ PolicyArn: boundary })))).toMatchObject({ name: 'DeleteConflictException', status: 409 });

    await c.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'alice' }));
    expect((await c.send(new GetUserCommand({ UserName: 'alice' }))).User!.PermissionsBoundary).toBeUndefined();
    await c.send(new PutUserPermissionsBoundaryCommand({ UserName: 'alice', PermissionsBoundary: 'arn:aws:iam::aws:policy/PowerUserAccess' }));
    expect((await c.send(new GetUserCommand({ UserName: 'alice' }))).User!.PermissionsBoundary!.PermissionsBoundaryArn).toBe('arn:aws:iam::aws:policy/PowerUserAccess');
    expect(await refused(c.send(new PutUserPermissionsBoundaryCommand({ UserName: 'alice', PermissionsBoundary: 'arn:aws:iam::000000000000:policy/none' })))).toMatchObject({ name: 'NoSuchEntityException', status: 404 });

    expect(await refused(c.send(new CreateUserCommand({ UserName: 'ALICE' })))).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409, message: 'User with name ALICE already exists.' });
    expect(await refused(c.send(new CreateUserCommand({ UserName: 'bad name' })))).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(await refused(c.send(new GetUserCommand({ UserName: 'nobody' })))).toMatchObject({ name: 'NoSuchEntityException', status: 404, message: 'The user with name nobody cannot be found.' });
    await c.send(new DeleteUserCommand({ UserName: 'alice' }));
    c.destroy();
  });

  it('answers GetUser without a name as the account root for the configured credentials', async () => {
    const c = iam();
    const { User } = await c.send(new GetUserCommand({}));
    expect(User).toMatchObject({ UserId: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
    c.destroy();
  });

  it('lists users by path prefix, page by page, without tags', async () => {
    const c = iam();
    for (const name of ['u1', 'u2', 'u3']) await c.send(new CreateUserCommand({ UserName: name, Path: '/paged/', Tags: [{ Key: 'k', Value: name }] }));
    await c.send(new CreateUserCommand({ UserName: 'elsewhere', Path: '/other/' }));
    const first = await c.send(new ListUsersCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    expect(first.Users!.map((u) => u.UserName)).toEqual(['u1', 'u2']);
    expect(first.IsTruncated).toBe(true);
    expect(first.Users![0]!.Tags).toBeUndefined();
    const second = await c.send(new ListUsersCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    expect(second.Users!.map((u) => u.UserName)).toEqual(['u3']);
    expect(second.IsTruncated).toBe(false);
    expect(await refused(c.send(new ListUsersCommand({ Marker: 'not-a-marker' })))).toMatchObject({ name: 'InvalidInputException', status: 400 });
    for (const name of ['u1', 'u2', 'u3', 'elsewhere']) await c.send(new DeleteUserCommand({ UserName: name }));
    c.destroy();
  });

  it('renames a user and moves it to another path, keeping its id', async () => {
    const c = iam();
    const { User } = await c.send(new CreateUserCommand({ UserName: 'before' }));
    await c.send(new CreateUserCommand({ UserName: 'taken' }));
    expect(await refused(c.send(new UpdateUserCommand({ UserName: 'before', NewUserName: 'taken' })))).toMatchObject({ name: 'EntityAlreadyExistsException' });
    await c.send(new UpdateUserCommand({ UserName: 'before', NewUserName: 'after', NewPath: '/moved/' }));
    expect(await refused(c.send(new GetUserCommand({ UserName: 'before' })))).toMatchObject({ name: 'NoSuchEntityException' });
    const after = (await c.send(new GetUserCommand({ UserName: 'after' }))).User!;
    expect(after).toMatchObject({ UserId: User!.UserId, Path: '/moved/', Arn: 'arn:aws:iam::000000000000:user/moved/after' });
    for (const name of ['after', 'taken']) await c.send(new DeleteUserCommand({ UserName: name }));
    c.destroy();
  });

  it('tags and untags a user', async () => {
    const c = iam();
    await c.send(new CreateUserCommand({ UserName: 'tagged', Tags: [{ Key: 'a', Value: '1' }] }));
    await c.send(new TagUserCommand({ UserName: 'tagged', Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '3' }] }));
    expect((await c.send(new ListUserTagsCommand({ UserName: 'tagged' }))).Tags).toEqual([{ Key: 'a', Value: '3' }, { Key: 'b', Value: '2' }]);
    await c.send(new UntagUserCommand({ UserName: 'tagged', TagKeys: ['a'] }));
    expect((await c.send(new ListUserTagsCommand({ UserName: 'tagged' }))).Tags).toEqual([{ Key: 'b', Value: '2' }]);
    await c.send(new DeleteUserCommand({ UserName: 'tagged' }));
    c.destroy();
  });

  it('keeps inline and attached policies, counts attachments, and refuses to delete a user that has them', async () => {
    const c = iam();
    await c.send(new CreateUserCommand({ UserName: 'holder' }));
    await c.send(new PutUserPolicyCommand({ UserName: 'holder', PolicyName: 'inline', PolicyDocument: doc('sqs:*') }));
    const got = await c.send(new GetUserPolicyCommand({ UserName: 'holder', PolicyName: 'inline' }));
    expect(got).toMatchObject({ UserName: 'holder', PolicyName: 'inline' });
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument!)).Statement[0].Action).toBe('sqs:*');
    expect((await c.send(new ListUserPoliciesCommand({ UserName: 'holder' }))).PolicyNames).toEqual(['inline']);
    expect(await refused(c.send(new GetUserPolicyCommand({ UserName: 'holder', PolicyName: 'none' })))).toMatchObject({ name: 'NoSuchEntityException', message: 'The user policy with name none cannot be found.' });
    expect(await refused(c.send(new PutUserPolicyCommand({ UserName: 'holder', PolicyName: 'bad', PolicyDocument: 'not json' })))).toMatchObject({ name: 'MalformedPolicyDocumentException' });

    const arn = (await c.send(new CreatePolicyCommand({ PolicyName: 'for-users', PolicyDocument: doc('s3:*') }))).Policy!.Arn!;
    await c.send(new AttachUserPolicyCommand({ UserName: 'holder', PolicyArn: arn }));
    await c.send(new AttachUserPolicyCommand({ UserName: 'holder', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    expect((await c.send(new ListAttachedUserPoliciesCommand({ UserName: 'holder' }))).AttachedPolicies).toEqual([
      { PolicyArn: arn, PolicyName: 'for-users' },
      { PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', PolicyName: 'ReadOnlyAccess' },
    ]);
    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(1);
    const entities = await c.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    expect(entities.PolicyUsers).toEqual([{ UserName: 'holder', UserId: expect.stringMatching(/^AIDA/) }]);
    expect((await c.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Role' }))).PolicyUsers).toEqual([]);
    expect(await refused(c.send(new DeletePolicyCommand({ PolicyArn: arn })))).toMatchObject({ name: 'DeleteConflictException' });
    expect(await refused(c.send(new AttachUserPolicyCommand({ UserName: 'holder', PolicyArn: 'arn:aws:iam::000000000000:policy/missing' })))).toMatchObject({ name: 'NoSuchEntityException' });

    expect(await refused(c.send(new DeleteUserCommand({ UserName: 'holder' })))).toMatchObject({ name: 'DeleteConflictException', status: 409, message: 'Cannot delete entity, must delete policies first.' });
    await c.send(new DeleteUserPolicyCommand({ UserName: 'holder', PolicyName: 'inline' }));
    expect(await refused(c.send(new DeleteUserCommand({ UserName: 'holder' })))).toMatchObject({ message: 'Cannot delete entity, must detach all policies first.' });
    await c.send(new DetachUserPolicyCommand({ UserName: 'holder', PolicyArn: arn }));
    await c.send(new DetachUserPolicyCommand({ UserName: 'holder', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    expect(await refused(c.send(new DetachUserPolicyCommand({ UserName: 'holder', PolicyArn: arn })))).toMatchObject({ name: 'NoSuchEntityException' });
    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(0);
    await c.send(new DeleteUserCommand({ UserName: 'holder' }));
    await c.send(new DeletePolicyCommand({ PolicyArn: arn }));
    c.destroy();
  });

  it('gives roles a permissions boundary too, listed by ListEntitiesForPolicy as a boundary use', async () => {
    const c = iam();
    const arn = (await c.send(new CreatePolicyCommand({ PolicyName: 'role-boundary', PolicyDocument: doc('lambda:*') }))).Policy!.Arn!;
    await c.send(new CreateRoleCommand({ RoleName: 'bounded', AssumeRolePolicyDocument: '{}', PermissionsBoundary: arn }));
    expect((await c.send(new GetRoleCommand({ RoleName: 'bounded' }))).Role!.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn });
    const asBoundary = await c.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsBoundary' }));
    expect(asBoundary.PolicyRoles!.map((r) => r.RoleName)).toEqual(['bounded']);
    expect((await c.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsPolicy' }))).PolicyRoles).toEqual([]);
    await c.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'bounded' }));
    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.PermissionsBoundaryUsageCount).toBe(0);
    await c.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: arn }));
    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.PermissionsBoundaryUsageCount).toBe(1);
    await c.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'bounded' }));
    await c.send(new DeleteRoleCommand({ RoleName: 'bounded' }));
    await c.send(new DeletePolicyCommand({ PolicyArn: arn }));
    c.destroy();
  });
});
