import {
  CreateAccessKeyCommand,
  CreateAccountAliasCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccountAliasCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccountAliasesCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

/** Login profiles, the account alias, the password policy and the account summary. */
const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));

it('keeps a password policy, checks new passwords against it, and answers NoSuchEntity when none is set', async () => {
  const c = iam();
  expect(await refused(c.send(new GetAccountPasswordPolicyCommand({})))).toMatchObject({
    name: 'NoSuchEntityException',
    status: 404,
    message: 'The Password Policy with domain name 000000000000 cannot be found.',
  });
  await c.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireNumbers: true, MaxPasswordAge: 90 }));
  expect((await c.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy).toMatchObject({
    MinimumPasswordLength: 12,
    RequireNumbers: true,
    RequireSymbols: false,
    ExpirePasswords: true,
    MaxPasswordAge: 90,
  });
  expect(await refused(c.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 5 })))).toMatchObject({ name: 'ValidationError', status: 400 });

  await c.send(new CreateUserCommand({ UserName: 'console' }));
  expect(await refused(c.send(new CreateLoginProfileCommand({ UserName: 'console', Password: 'short1' })))).toMatchObject({ name: 'PasswordPolicyViolationException', status: 400 });
  const { LoginProfile } = await c.send(new CreateLoginProfileCommand({ UserName: 'console', Password: 'long-enough-password-1', PasswordResetRequired: true }));
  expect(LoginProfile).toMatchObject({ UserName: 'console', PasswordResetRequired: true });
  expect(await refused(c.send(new CreateLoginProfileCommand({ UserName: 'console', Password: 'long-enough-password-2' })))).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 });
  await c.send(new UpdateLoginProfileCommand({ UserName: 'console', PasswordResetRequired: false }));
  expect((await c.send(new GetLoginProfileCommand({ UserName: 'console' }))).LoginProfile!.PasswordResetRequired).toBe(false);
  expect(await refused(c.send(new DeleteUserCommand({ UserName: 'console' })))).toMatchObject({ name: 'DeleteConflictException', message: 'Cannot delete entity, must delete login profile first.' });
  await c.send(new DeleteLoginProfileCommand({ UserName: 'console' }));
  expect(await refused(c.send(new GetLoginProfileCommand({ UserName: 'console' })))).toMatchObject({ name: 'NoSuchEntityException', message: 'Login Profile for User console cannot be found.' });
  await c.send(new DeleteUserCommand({ UserName: 'console' }));

  await c.send(new DeleteAccountPasswordPolicyCommand({}));
  expect(await refused(c.send(new DeleteAccountPasswordPolicyCommand({})))).toMatchObject({ name: 'NoSuchEntityException' });
  c.destroy();
});

it('keeps one account alias', async () => {
  const c = iam();
  expect((await c.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);
  await c.send(new CreateAccountAliasCommand({ AccountAlias: 'my-company' }));
  await c.send(new CreateAccountAliasCommand({ AccountAlias: 'my-company-test' }));
  expect((await c.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['my-company-test']);
  expect(await refused(c.send(new CreateAccountAliasCommand({ AccountAlias: 'Bad--Alias' })))).toMatchObject({ name: 'ValidationError', status: 400 });
  expect(await refused(c.send(new DeleteAccountAliasCommand({ AccountAlias: 'my-company' })))).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  await c.send(new DeleteAccountAliasCommand({ AccountAlias: 'my-company-test' }));
  expect((await c.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);
  c.destroy();
});

it('counts users, groups and the rest in the account summary', async () => {
  const c = iam();
  const before = (await c.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  expect(before).toMatchObject({ Users: 0, Groups: 0, Roles: 0, AccessKeysPerUserQuota: 2, UsersQuota: 5000 });
  await c.send(new CreateUserCommand({ UserName: 'counted' }));
  await c.send(new CreateAccessKeyCommand({ UserName: 'counted' }));
  await c.send(new CreateGroupCommand({ GroupName: 'counted' }));
  expect((await c.send(new GetAccountSummaryCommand({}))).SummaryMap).toMatchObject({ Users: 1, Groups: 1 });
  c.destroy();
});
