import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { withoutTags } from '../core/tags';
import { deleteConflict, getRole, iamId, iamNow, mergeTags, noSuchEntity, type IamState, type InstanceProfile } from './model';
import { page } from './paging';
import { roleView } from './roles';
import { checkName, checkPath } from './validation';

function getProfile(state: IamState, name: string | undefined): InstanceProfile {
  const profile = name === undefined ? undefined : state.instanceProfiles.get(name);
  if (!profile) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
  return profile;
}

/** Instance profiles: containers for one role each (Terraform reads them when it deletes a role). */
export function instanceProfileOperations(state: IamState) {
  const view = (p: InstanceProfile) => {
    const role = p.roleName === undefined ? undefined : state.roles.get(p.roleName);
    return {
      Path: p.Path,
      InstanceProfileName: p.InstanceProfileName,
      InstanceProfileId: p.InstanceProfileId,
      Arn: p.Arn,
      CreateDate: p.CreateDate,
      Roles: role ? [roleView(role)] : [],
      Tags: p.Tags,
    };
  };
  return {
    CreateInstanceProfile(input: any, ctx: RequestContext) {
      checkName('instanceProfileName', input.InstanceProfileName, 128);
      const path = checkPath(input.Path);
      if (state.instanceProfiles.has(input.InstanceProfileName)) {
        throw new AwsError('EntityAlreadyExists', `Instance Profile ${input.InstanceProfileName} already exists.`, 409);
      }
      const profile: InstanceProfile = {
        InstanceProfileName: input.InstanceProfileName,
        InstanceProfileId: iamId('AIPA', uuid()),
        Arn: `arn:aws:iam::${ctx.accountId}:instance-profile${path}${input.InstanceProfileName}`,
        Path: path,
        CreateDate: iamNow(state),
        Tags: mergeTags([], input.Tags),
      };
      state.instanceProfiles.set(profile.InstanceProfileName, profile);
      return { InstanceProfile: view(profile) };
    },
    GetInstanceProfile(input: any) {
      return { InstanceProfile: view(getProfile(state, input.InstanceProfileName)) };
    },
    ListInstanceProfiles(input: any) {
      const prefix: string = input.PathPrefix ?? '/';
      const { items, ...rest } = page([...state.instanceProfiles.values()].filter((p) => p.Path.startsWith(prefix)).map(view), input);
      return { InstanceProfiles: items, ...rest };
    },
    ListInstanceProfilesForRole(input: any) {
      const role = getRole(state, input.RoleName);
      const { items, ...rest } = page([...state.instanceProfiles.values()].filter((p) => p.roleName === role.RoleName).map(view), input);
      return { InstanceProfiles: items, ...rest };
    },
    DeleteInstanceProfile(input: any) {
      const profile = getProfile(state, input.InstanceProfileName);
      if (profile.roleName !== undefined) throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
      state.instanceProfiles.delete(profile.InstanceProfileName);
      return {};
    },
    TagInstanceProfile(input: any) {
      const profile = getProfile(state, input.InstanceProfileName);
      profile.Tags = mergeTags(profile.Tags, input.Tags);
      return {};
    },
    UntagInstanceProfile(input: any) {
      const profile = getProfile(state, input.InstanceProfileName);
      profile.Tags = withoutTags(profile.Tags, input.TagKeys);
      return {};
    },
    ListInstanceProfileTags(input: any) {
      const { items, ...rest } = page(getProfile(state, input.InstanceProfileName).Tags, input);
      return { Tags: items, ...rest };
    },
    AddRoleToInstanceProfile(input: any) {
      const profile = getProfile(state, input.InstanceProfileName);
      const role = getRole(state, input.RoleName);
      if (profile.roleName !== undefined) {
        throw new AwsError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409);
      }
      profile.roleName = role.RoleName;
      return {};
    },
    RemoveRoleFromInstanceProfile(input: any) {
      const profile = getProfile(state, input.InstanceProfileName);
      getRole(state, input.RoleName);
      if (profile.roleName !== input.RoleName) {
        throw noSuchEntity(`The role with name ${input.RoleName} cannot be found in instance profile ${profile.InstanceProfileName}.`);
      }
      profile.roleName = undefined;
      return {};
    },
  };
}
