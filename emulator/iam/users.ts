import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { withoutTags } from '../core/tags';
import { userOrCaller } from './caller';
import { entityPolicyOperations } from './entity-policies';
import { boundaryView, checkAttachable, deleteConflict, getUser, iamId, iamNow, mergeTags, type IamState, type User } from './model';
import { page } from './paging';
import { checkName, checkPath, checkPolicyArn } from './validation';

export const userArn = (accountId: string, path: string, name: string) => `arn:aws:iam::${accountId}:user${path}${name}`;

export const userView = (u: User) => ({
  Path: u.Path,
  UserName: u.UserName,
  UserId: u.UserId,
  Arn: u.Arn,
  CreateDate: u.CreateDate,
  PermissionsBoundary: boundaryView(u.permissionsBoundary),
  Tags: u.Tags.length ? u.Tags : undefined,
});

/** ListUsers, GetGroup and the like show a user without its tags and permissions boundary, as IAM does. */
export const userSummary = (u: User) => ({ Path: u.Path, UserName: u.UserName, UserId: u.UserId, Arn: u.Arn, CreateDate: u.CreateDate });

/** IAM names are unique regardless of case: `Bob` cannot be created next to `bob`. */
export const nameTaken = (names: Iterable<string>, name: string) => [...names].some((n) => n.toLowerCase() === name.toLowerCase());

function checkBoundary(state: IamState, arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  checkAttachable(state, checkPolicyArn(arn));
  return arn;
}

/** IAM users: what test setups create to hand out long-term access keys. Policies are stored, never enforced. */
export function userOperations(state: IamState) {
  const find = (name: string | undefined) => getUser(state, name);
  return {
    CreateUser(input: any, ctx: RequestContext) {
      checkName('userName', input.UserName, 64);
      const path = checkPath(input.Path);
      const boundary = checkBoundary(state, input.PermissionsBoundary);
      if (nameTaken(state.users.keys(), input.UserName)) throw new AwsError('EntityAlreadyExists', `User with name ${input.UserName} already exists.`, 409);
      const user: User = {
        UserName: input.UserName,
        UserId: iamId('AIDA', uuid()),
        Arn: userArn(ctx.accountId, path, input.UserName),
        Path: path,
        CreateDate: iamNow(state),
        Tags: mergeTags([], input.Tags),
        attached: new Map(),
        inline: new Map(),
        permissionsBoundary: boundary,
      };
      state.users.set(user.UserName, user);
      return { User: userView(user) };
    },
    /** Without a UserName: the caller, a user if it signs with one of its keys, else the account's root. */
    GetUser(input: any, ctx: RequestContext) {
      const user = userOrCaller(state, ctx, input.UserName, find);
      if (user) return { User: userView(user) };
      return { User: { UserId: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root`, CreateDate: new Date(0) } };
    },
    ListUsers(input: any) {
      const prefix: string = input.PathPrefix ?? '/';
      const { items, ...rest } = page([...state.users.values()].filter((u) => u.Path.startsWith(prefix)).map(userSummary), input);
      return { Users: items, ...rest };
    },
    /** A rename keeps the user's id, so its keys and group memberships follow it. */
    UpdateUser(input: any, ctx: RequestContext) {
      const user = find(input.UserName);
      const newName = input.NewUserName === undefined ? user.UserName : checkName('newUserName', input.NewUserName, 64);
      const newPath = input.NewPath === undefined ? user.Path : checkPath(input.NewPath);
      if (newName !== user.UserName && nameTaken([...state.users.keys()].filter((n) => n !== user.UserName), newName)) {
        throw new AwsError('EntityAlreadyExists', `User with name ${newName} already exists.`, 409);
      }
      state.users.delete(user.UserName);
      user.UserName = newName;
      user.Path = newPath;
      user.Arn = userArn(ctx.accountId, newPath, newName);
      state.users.set(newName, user);
      return {};
    },
    DeleteUser(input: any) {
      const user = find(input.UserName);
      if (user.loginProfile) throw deleteConflict('Cannot delete entity, must delete login profile first.');
      if ([...state.accessKeys.values()].some((k) => k.userId === user.UserId)) throw deleteConflict('Cannot delete entity, must delete access keys first.');
      const holds = (m: Map<string, { userId?: string }>) => [...m.values()].some((e) => e.userId === user.UserId);
      if (holds(state.signingCertificates)) throw deleteConflict('Cannot delete entity, must delete signing certificates first.');
      if (holds(state.sshPublicKeys)) throw deleteConflict('Cannot delete entity, must delete SSH public keys first.');
      if (holds(state.mfaDevices)) throw deleteConflict('Cannot delete entity, must delete MFA device first.');
      if (user.inline.size) throw deleteConflict('Cannot delete entity, must delete policies first.');
      if (user.attached.size) throw deleteConflict('Cannot delete entity, must detach all policies first.');
      if ([...state.groups.values()].some((g) => g.members.has(user.UserId))) throw deleteConflict('Cannot delete entity, must remove user from all groups first.');
      state.users.delete(user.UserName);
      return {};
    },
    TagUser(input: any) {
      const user = find(input.UserName);
      user.Tags = mergeTags(user.Tags, input.Tags);
      return {};
    },
    UntagUser(input: any) {
      const user = find(input.UserName);
      user.Tags = withoutTags(user.Tags, input.TagKeys);
      return {};
    },
    ListUserTags(input: any) {
      const { items, ...rest } = page(find(input.UserName).Tags, input);
      return { Tags: items, ...rest };
    },
    PutUserPermissionsBoundary(input: any) {
      const user = find(input.UserName);
      user.permissionsBoundary = checkBoundary(state, checkPolicyArn(input.PermissionsBoundary));
      return {};
    },
    DeleteUserPermissionsBoundary(input: any) {
      find(input.UserName).permissionsBoundary = undefined;
      return {};
    },
    ...entityPolicyOperations(state, 'User', find),
  };
}
