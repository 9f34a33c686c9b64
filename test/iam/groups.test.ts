import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteUserCommand,
  DetachGroupPolicyCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  PutGroupPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateGroupCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));
const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

describe('IAM groups', () => {
  it('creates, lists, renames and deletes groups', async () => {
    const c = iam();
    const { Group } = await c.send(new CreateGroupCommand({ GroupName: 'devs', Path: '/eng/' }));
    expect(Group).toMatchObject({ GroupName: 'devs', Path: '/eng/', Arn: 'arn:aws:iam::000000000000:group/eng/devs' });
    expect(Group!.GroupId).toMatch(/^AGPA[A-Z0-9]{17}$/);
    await c.send(new CreateGroupCommand({ GroupName: 'ops' }));
    expect(await refused(c.send(new CreateGroupCommand({ GroupName: 'Ops' })))).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409, message: 'Group with name Ops already exists.' });
    expect((await c.send(new ListGroupsCommand({}))).Groups!.map((g) => g.GroupName)).toEqual(['devs', 'ops']);
    expect((await c.send(new ListGroupsCommand({ PathPrefix: '/eng/' }))).Groups!.map((g) => g.GroupName)).toEqual(['devs']);

    await c.send(new UpdateGroupCommand({ GroupName: 'devs', NewGroupName: 'developers', NewPath: '/' }));
    const got = await c.send(new GetGroupCommand({ GroupName: 'developers' }));
    expect(got.Group).toMatchObject({ GroupId: Group!.GroupId, Arn: 'arn:aws:iam::000000000000:group/developers' });
    expect(got.Users).toEqual([]);
    expect(await refused(c.send(new GetGroupCommand({ GroupName: 'devs' })))).toMatchObject({ name: 'NoSuchEntityException', status: 404, message: 'The group with name devs cannot be found.' });
    for (const name of ['developers', 'ops']) await c.send(new DeleteGroupCommand({ GroupName: name }));
    expect((await c.send(new ListGroupsCommand({}))).Groups).toEqual([]);
    c.destroy();
  });

  it('adds and removes members; members follow a renamed user; a group with members or a member of a group is not deleted', async () => {
    const c = iam();
    await c.send(new CreateGroupCommand({ GroupName: 'team' }));
    await c.send(new CreateGroupCommand({ GroupName: 'other' }));
    for (const name of ['m1', 'm2']) await c.send(new CreateUserCommand({ UserName: name }));
    await c.send(new AddUserToGroupCommand({ GroupName: 'team', UserName: 'm1' }));
    await c.send(new AddUserToGroupCommand({ GroupName: 'team', UserName: 'm2' }));
    await c.send(new AddUserToGroupCommand({ GroupName: 'other', UserName: 'm1' }));
    expect(await refused(c.send(new AddUserToGroupCommand({ GroupName: 'team', UserName: 'ghost' })))).toMatchObject({ name: 'NoSuchEntityException' });

    const page1 = await c.send(new GetGroupCommand({ GroupName: 'team', MaxItems: 1 }));
    expect(page1.Users!.map((u) => u.UserName)).toEqual(['m1']);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await c.send(new GetGroupCommand({ GroupName: 'team', Marker: page1.Marker }));
    expect(page2.Users!.map((u) => u.UserName)).toEqual(['m2']);
    expect((await c.send(new ListGroupsForUserCommand({ UserName: 'm1' }))).Groups!.map((g) => g.GroupName)).toEqual(['team', 'other']);

    await c.send(new UpdateUserCommand({ UserName: 'm1', NewUserName: 'm1-renamed' }));
    expect((await c.send(new GetGroupCommand({ GroupName: 'team' }))).Users!.map((u) => u.UserName)).toEqual(['m1-renamed', 'm2']);

    expect(await refused(c.send(new DeleteGroupCommand({ GroupName: 'team' })))).toMatchObject({ name: 'DeleteConflictException', status: 409, message: 'Cannot delete entity, must remove users from group first.' });
    expect(await refused(c.send(new DeleteUserCommand({ UserName: 'm2' })))).toMatchObject({ name: 'DeleteConflictException', message: 'Cannot delete entity, must remove user from all groups first.' });

    await c.send(new RemoveUserFromGroupCommand({ GroupName: 'team', UserName: 'm2' }));
    expect(await refused(c.send(new RemoveUserFromGroupCommand({ GroupName: 'team', UserName: 'm2' })))).toMatchObject({ name: 'NoSuchEntityException' });
    await c.send(new DeleteUserCommand({ UserName: 'm2' }));
    await c.send(new RemoveUserFromGroupCommand({ GroupName: 'team', UserName: 'm1-renamed' }));
    await c.send(new RemoveUserFromGroupCommand({ GroupName: 'other', UserName: 'm1-renamed' }));
    expect((await c.send(new ListGroupsForUserCommand({ UserName: 'm1-renamed' }))).Groups).toEqual([]);
    await c.send(new DeleteUserCommand({ UserName: 'm1-renamed' }));
    for (const name of ['team', 'other']) await c.send(new DeleteGroupCommand({ GroupName: name }));
    c.destroy();
  });

  it('keeps inline and attached group policies and counts the attachments', async () => {
    const c = iam();
    await c.send(new CreateGroupCommand({ GroupName: 'readers' }));
    await c.send(new PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'read', PolicyDocument: doc('s3:GetObject') }));
    const inline = await c.send(new GetGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'read' }));
    expect(inline).toMatchObject({ GroupName: 'readers', PolicyName: 'read' });
    expect(JSON.parse(decodeURIComponent(inline.PolicyDocument!)).Statement[0].Action).toBe('s3:GetObject');
    expect((await c.send(new ListGroupPoliciesCommand({ GroupName: 'readers' }))).PolicyNames).toEqual(['read']);

    const arn = (await c.send(new CreatePolicyCommand({ PolicyName: 'group-managed', PolicyDocument: doc('sqs:*') }))).Policy!.Arn!;
    await c.send(new AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: arn }));
    expect((await c.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'readers' }))).AttachedPolicies).toEqual([{ PolicyArn: arn, PolicyName: 'group-managed' }]);
    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(1);
    const entities = await c.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Group' }));
    expect(entities.PolicyGroups).toEqual([{ GroupName: 'readers', GroupId: expect.stringMatching(/^AGPA/) }]);

    expect(await refused(c.send(new DeleteGroupCommand({ GroupName: 'readers' })))).toMatchObject({ message: 'Cannot delete entity, must delete policies first.' });
    await c.send(new DeleteGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'read' }));
    expect(await refused(c.send(new GetGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'read' })))).toMatchObject({ name: 'NoSuchEntityException', message: 'The group policy with name read cannot be found.' });
    expect(await refused(c.send(new DeleteGroupCommand({ GroupName: 'readers' })))).toMatchObject({ message: 'Cannot delete entity, must detach all policies first.' });
    await c.send(new DetachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: arn }));
    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(0);
    await c.send(new DeleteGroupCommand({ GroupName: 'readers' }));
    c.destroy();
  });
});
