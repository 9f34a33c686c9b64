import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  CreateAccountAliasCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  ListAccountAliasesCommand,
  UpdateAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  CreateInstanceProfileCommand,
  AddRoleToInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  IAMClient,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

/** With `dataDir`, managed policies (with their versions and attachments) and instance profiles survive a restart. */
const { emulator, restart } = usePersistentEmulator('persist-iam');

it('brings back managed policies with their versions and attachments, and instance profiles with their role', async () => {
  let iam = new IAMClient(clientConfig(emulator()));
  await iam.send(new CreateRoleCommand({ RoleName: 'kept', AssumeRolePolicyDocument: '{}' }));
  const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'kept', PolicyDocument: '{"Statement":[]}' }))).Policy!.Arn!;
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: '{"Statement":[1]}', SetAsDefault: true }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'kept', PolicyArn: arn }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'kept' }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'kept', RoleName: 'kept' }));
  iam.destroy();

  await restart();
  iam = new IAMClient(clientConfig(emulator()));
  expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy).toMatchObject({ DefaultVersionId: 'v2', AttachmentCount: 1 });
  expect((await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!.map((v) => v.VersionId)).toEqual(['v2', 'v1']);
  const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'kept' }));
  expect(profile.InstanceProfile!.Roles!.map((r) => r.RoleName)).toEqual(['kept']);
  iam.destroy();
});

it('brings back groups with their members, login profiles, the account alias and the password policy', async () => {
  let iam = new IAMClient(clientConfig(emulator()));
  await iam.send(new CreateUserCommand({ UserName: 'member' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'kept-group' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'kept-group', UserName: 'member' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'member', Password: 'Secret-password-1', PasswordResetRequired: true }));
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'kept-alias' }));
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14 }));
  iam.destroy();

  await restart();
  iam = new IAMClient(clientConfig(emulator()));
  expect((await iam.send(new GetGroupCommand({ GroupName: 'kept-group' }))).Users!.map((u) => u.UserName)).toEqual(['member']);
  expect((await iam.send(new GetLoginProfileCommand({ UserName: 'member' }))).LoginProfile!.PasswordResetRequired).toBe(true);
  expect((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['kept-alias']);
  expect((await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy!.MinimumPasswordLength).toBe(14);
  iam.destroy();
});
