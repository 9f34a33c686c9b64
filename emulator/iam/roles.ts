import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { withoutTags } from '../core/tags';
import { boundaryView, checkAttachable, deleteConflict, getRole, iamId, iamNow, mergeTags, noSuchEntity, type IamState, type Role } from './model';
import { page } from './paging';
import { checkName, checkPath, checkPolicyArn, checkPolicyDocument } from './validation';

/** IAM shows policy documents URL-encoded. */
const encoded = (doc: string | undefined) => (doc === undefined ? undefined : encodeURIComponent(doc));

export const roleView = (r: Role) => ({
  RoleName: r.RoleName,
  RoleId: r.RoleId,
  Arn: r.Arn,
  Path: r.Path,
  CreateDate: r.CreateDate,
  AssumeRolePolicyDocument: encoded(r.AssumeRolePolicyDocument),
  Description: r.Description,
  MaxSessionDuration: r.MaxSessionDuration,
  PermissionsBoundary: boundaryView(r.permissionsBoundary),
  Tags: r.Tags,
});

/** A role's longest session: one to twelve hours. */
function checkMaxSessionDuration(seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  if (seconds < 3600) throw constraintViolation('ValidationError', 'maxSessionDuration', String(seconds), 'Member must have value greater than or equal to 3600');
  if (seconds > 43200) throw constraintViolation('ValidationError', 'maxSessionDuration', String(seconds), 'Member must have value less than or equal to 43200');
  return seconds;
}

function checkDescription(description: string | undefined): string | undefined {
  if (description !== undefined && description.length > 1000) {
    throw constraintViolation('ValidationError', 'description', description, 'Member must have length less than or equal to 1000');
  }
  return description;
}

export const isServiceLinked = (role: Role) => role.Path.startsWith('/aws-service-role/');

export function roleOperations(state: IamState) {
  return {
    CreateRole(input: any, ctx: RequestContext) {
      checkName('roleName', input.RoleName, 64);
      const path = checkPath(input.Path);
      checkPolicyDocument('assumeRolePolicyDocument', input.AssumeRolePolicyDocument);
      const maxSession = checkMaxSessionDuration(input.MaxSessionDuration);
      checkDescription(input.Description);
      const boundary = input.PermissionsBoundary === undefined ? undefined : checkPolicyArn(input.PermissionsBoundary);
      if (boundary !== undefined) checkAttachable(state, boundary);
      if (state.roles.has(input.RoleName)) {
        throw new AwsError('EntityAlreadyExists', `Role with name ${input.RoleName} already exists.`, 409);
      }
      const r: Role = {
        RoleName: input.RoleName,
        RoleId: iamId('AROA', uuid()),
        Arn: `arn:aws:iam::${ctx.accountId}:role${path}${input.RoleName}`,
        Path: path,
        CreateDate: iamNow(state),
        AssumeRolePolicyDocument: input.AssumeRolePolicyDocument,
        Description: input.Description,
        MaxSessionDuration: maxSession ?? 3600,
        Tags: mergeTags([], input.Tags),
        attached: new Map(),
        inline: new Map(),
        permissionsBoundary: boundary,
      };
      state.roles.set(r.RoleName, r);
      return { Role: roleView(r) };
    },
    GetRole(input: any) {
      return { Role: roleView(getRole(state, input.RoleName)) };
    },
    UpdateRole(input: any) {
      const r = getRole(state, input.RoleName);
      const maxSession = checkMaxSessionDuration(input.MaxSessionDuration);
      const description = checkDescription(input.Description);
      if (maxSession !== undefined) r.MaxSessionDuration = maxSession;
      if (description !== undefined) r.Description = description;
      return {};
    },
    UpdateRoleDescription(input: any) {
      const r = getRole(state, input.RoleName);
      r.Description = checkDescription(input.Description ?? '');
      return { Role: roleView(r) };
    },
    UpdateAssumeRolePolicy(input: any) {
      const r = getRole(state, input.RoleName);
      r.AssumeRolePolicyDocument = checkPolicyDocument('policyDocument', input.PolicyDocument);
      return {};
    },
    PutRolePermissionsBoundary(input: any) {
      const r = getRole(state, input.RoleName);
      const arn = checkPolicyArn(input.PermissionsBoundary);
      checkAttachable(state, arn);
      r.permissionsBoundary = arn;
      return {};
    },
    DeleteRolePermissionsBoundary(input: any) {
      getRole(state, input.RoleName).permissionsBoundary = undefined;
      return {};
    },
    TagRole(input: any) {
      const r = getRole(state, input.RoleName);
      r.Tags = mergeTags(r.Tags, input.Tags);
      return {};
    },
    UntagRole(input: any) {
      const r = getRole(state, input.RoleName);
      r.Tags = withoutTags(r.Tags, input.TagKeys);
      return {};
    },
    ListRoleTags(input: any) {
      const { items, ...rest } = page(getRole(state, input.RoleName).Tags, input);
      return { Tags: items, ...rest };
    },
    /** ListRoles leaves tags and the permissions boundary out, as IAM does (GetRole has them). */
    ListRoles(input: any) {
      const prefix: string = input.PathPrefix ?? '/';
      const roles = [...state.roles.values()]
        .filter((r) => r.Path.startsWith(prefix))
        .map((r) => {
          const { Tags: _tags, PermissionsBoundary: _boundary, ...shown } = roleView(r);
          return shown;
        });
      const { items, ...rest } = page(roles, input);
      return { Roles: items, ...rest };
    },
    DeleteRole(input: any) {
      const r = getRole(state, input.RoleName);
      // Only DeleteServiceLinkedRole removes a service-linked role.
      if (isServiceLinked(r)) {
        throw new AwsError('UnmodifiableEntity', `Cannot perform the operation on the protected role '${r.RoleName}' - this role is only modifiable by AWS`, 400);
      }
      if ([...state.instanceProfiles.values()].some((p) => p.roleName === r.RoleName)) {
        throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
      }
      if (r.attached.size) throw deleteConflict('Cannot delete entity, must detach all policies first.');
      if (r.inline.size) throw deleteConflict('Cannot delete entity, must delete policies first.');
      state.roles.delete(r.RoleName);
      return {};
    },
    AttachRolePolicy(input: any) {
      const r = getRole(state, input.RoleName);
      const arn = checkPolicyArn(input.PolicyArn);
      checkAttachable(state, arn);
      r.attached.set(arn, arn.split('/').pop()!);
      return {};
    },
    DetachRolePolicy(input: any) {
      const r = getRole(state, input.RoleName);
      if (!r.attached.delete(input.PolicyArn)) throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
      return {};
    },
    ListAttachedRolePolicies(input: any) {
      const r = getRole(state, input.RoleName);
      const prefix: string = input.PathPrefix ?? '/';
      const attached = [...r.attached]
        .filter(([arn]) => `/${arn.split(':policy/')[1] ?? ''}`.startsWith(prefix))
        .map(([PolicyArn, PolicyName]) => ({ PolicyArn, PolicyName }));
      const { items, ...rest } = page(attached, input);
      return { AttachedPolicies: items, ...rest };
    },
    PutRolePolicy(input: any) {
      const r = getRole(state, input.RoleName);
      r.inline.set(checkName('policyName', input.PolicyName, 128), checkPolicyDocument('policyDocument', input.PolicyDocument));
      return {};
    },
    GetRolePolicy(input: any) {
      const r = getRole(state, input.RoleName);
      const doc = r.inline.get(input.PolicyName);
      if (doc === undefined) throw noSuchEntity(`The role policy with name ${input.PolicyName} cannot be found.`);
      return { RoleName: r.RoleName, PolicyName: input.PolicyName, PolicyDocument: encoded(doc) };
    },
    DeleteRolePolicy(input: any) {
      if (!getRole(state, input.RoleName).inline.delete(input.PolicyName)) {
        throw noSuchEntity(`The role policy with name ${input.PolicyName} cannot be found.`);
      }
      return {};
    },
    ListRolePolicies(input: any) {
      const { items, ...rest } = page([...getRole(state, input.RoleName).inline.keys()], input);
      return { PolicyNames: items, ...rest };
    },
  };
}
