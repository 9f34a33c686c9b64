import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { entityPolicyOperations } from './entity-policies';
import { deleteConflict, getGroup, getUser, iamId, iamNow, noSuchEntity, userById, type Group, type IamState, type User } from './model';
import { page } from './paging';
import { nameTaken, userSummary } from './users';
import { checkName, checkPath } from './validation';

/** IAM's default quota of groups one user belongs to. */
const GROUPS_PER_USER = 10;

const groupArn = (accountId: string, path: string, name: string) => `arn:aws:iam::${accountId}:group${path}${name}`;

const groupView = (g: Group) => ({ Path: g.Path, GroupName: g.GroupName, GroupId: g.GroupId, Arn: g.Arn, CreateDate: g.CreateDate });

/** IAM groups: a name, members, and policies stored for them (never enforced). */
export function groupOperations(state: IamState) {
  const find = (name: string | undefined) => getGroup(state, name);
  const groupsOf = (user: User) => [...state.groups.values()].filter((g) => g.members.has(user.UserId));
  return {
    CreateGroup(input: any, ctx: RequestContext) {
      checkName('groupName', input.GroupName, 128);
      const path = checkPath(input.Path);
      if (nameTaken(state.groups.keys(), input.GroupName)) throw new AwsError('EntityAlreadyExists', `Group with name ${input.GroupName} already exists.`, 409);
      const group: Group = {
        GroupName: input.GroupName,
        GroupId: iamId('AGPA', uuid()),
        Arn: groupArn(ctx.accountId, path, input.GroupName),
        Path: path,
        CreateDate: iamNow(state),
        attached: new Map(),
        inline: new Map(),
        members: new Set(),
      };
      state.groups.set(group.GroupName, group);
      return { Group: groupView(group) };
    },
    /** The group and its users; the users are what Marker/MaxItems page over. */
    GetGroup(input: any) {
      const group = find(input.GroupName);
      const users = [...group.members].map((id) => userById(state, id)).filter((u): u is User => u !== undefined);
      const { items, ...rest } = page(users.map(userSummary), input);
      return { Group: groupView(group), Users: items, ...rest };
    },
    ListGroups(input: any) {
      const prefix: string = input.PathPrefix ?? '/';
      const { items, ...rest } = page([...state.groups.values()].filter((g) => g.Path.startsWith(prefix)).map(groupView), input);
      return { Groups: items, ...rest };
    },
    UpdateGroup(input: any, ctx: RequestContext) {
      const group = find(input.GroupName);
      const newName = input.NewGroupName === undefined ? group.GroupName : checkName('newGroupName', input.NewGroupName, 128);
      const newPath = input.NewPath === undefined ? group.Path : checkPath(input.NewPath);
      if (newName !== group.GroupName && nameTaken([...state.groups.keys()].filter((n) => n !== group.GroupName), newName)) {
        throw new AwsError('EntityAlreadyExists', `Group with name ${newName} already exists.`, 409);
      }
      state.groups.delete(group.GroupName);
      group.GroupName = newName;
      group.Path = newPath;
      group.Arn = groupArn(ctx.accountId, newPath, newName);
      state.groups.set(newName, group);
      return {};
    },
    DeleteGroup(input: any) {
      const group = find(input.GroupName);
      if (group.members.size) throw deleteConflict('Cannot delete entity, must remove users from group first.');
      if (group.inline.size) throw deleteConflict('Cannot delete entity, must delete policies first.');
      if (group.attached.size) throw deleteConflict('Cannot delete entity, must detach all policies first.');
      state.groups.delete(group.GroupName);
      return {};
    },
    AddUserToGroup(input: any) {
      const group = find(input.GroupName);
      const user = getUser(state, input.UserName);
      if (!group.members.has(user.UserId) && groupsOf(user).length >= GROUPS_PER_USER) {
        throw new AwsError('LimitExceeded', `Cannot exceed quota for GroupsPerUser: ${GROUPS_PER_USER}`, 409);
      }
      group.members.add(user.UserId);
      return {};
    },
    RemoveUserFromGroup(input: any) {
      const group = find(input.GroupName);
      const user = getUser(state, input.UserName);
      if (!group.members.delete(user.UserId)) {
        throw noSuchEntity(`The user with name ${user.UserName} cannot be found in group ${group.GroupName}.`);
      }
      return {};
    },
    ListGroupsForUser(input: any) {
      const { items, ...rest } = page(groupsOf(getUser(state, input.UserName)).map(groupView), input);
      return { Groups: items, ...rest };
    },
    ...entityPolicyOperations(state, 'Group', find),
  };
}
