import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { withoutTags } from '../core/tags';
import { deleteConflict, iamId, iamNow, mergeTags, noSuchEntity, type IamState, type ManagedPolicy } from './model';
import { page } from './paging';
import { checkName, checkPath, checkPolicyArn, checkPolicyDocument } from './validation';

const MAX_VERSIONS = 5;

/** Roles, users and groups a managed policy is attached to (derived, never stored, so counts cannot drift). */
function attachedTo(state: IamState, arn: string) {
  const holding = <T extends { attached: Map<string, string> }>(m: Map<string, T>) => [...m.values()].filter((e) => e.attached.has(arn));
  return { roles: holding(state.roles), users: holding(state.users), groups: holding(state.groups) };
}
const attachmentCount = (state: IamState, arn: string) => {
  const { roles, users, groups } = attachedTo(state, arn);
  return roles.length + users.length + groups.length;
};

/** Roles and users whose permissions boundary the policy is. */
function boundedBy(state: IamState, arn: string) {
  return { roles: [...state.roles.values()].filter((r) => r.permissionsBoundary === arn), users: [...state.users.values()].filter((u) => u.permissionsBoundary === arn) };
}
const boundaryCount = (state: IamState, arn: string) => {
  const { roles, users } = boundedBy(state, arn);
  return roles.length + users.length;
};

function getPolicy(state: IamState, arn: string | undefined): ManagedPolicy {
  const policy = state.policies.get(checkPolicyArn(arn));
  if (!policy) throw noSuchEntity(`Policy ${arn} was not found.`);
  return upgraded(policy);
}

/** Policies saved (with --data-dir) before versions were kept had one document: it becomes v1. */
function upgraded(policy: ManagedPolicy & { Document?: string }): ManagedPolicy {
  if (!policy.versions) {
    policy.Path ??= '/';
    policy.Tags ??= [];
    policy.UpdateDate ??= policy.CreateDate;
    policy.versions = [{ VersionId: 'v1', Document: policy.Document ?? '{}', CreateDate: policy.CreateDate }];
    policy.DefaultVersionId = 'v1';
    policy.nextVersion = 2;
    delete policy.Document;
  }
  return policy;
}

function policyView(state: IamState, p: ManagedPolicy, withTags = true) {
  return {
    PolicyName: p.PolicyName,
    PolicyId: p.PolicyId,
    Arn: p.Arn,
    Path: p.Path,
    DefaultVersionId: p.DefaultVersionId,
    AttachmentCount: attachmentCount(state, p.Arn),
    PermissionsBoundaryUsageCount: boundaryCount(state, p.Arn),
    IsAttachable: true,
    Description: p.Description,
    CreateDate: p.CreateDate,
    UpdateDate: p.UpdateDate,
    ...(withTags ? { Tags: p.Tags } : {}),
  };
}

const versionView = (p: ManagedPolicy, v: ManagedPolicy['versions'][number], withDocument: boolean) => ({
  VersionId: v.VersionId,
  IsDefaultVersion: v.VersionId === p.DefaultVersionId,
  CreateDate: v.CreateDate,
  ...(withDocument ? { Document: encodeURIComponent(v.Document) } : {}),
});

function findVersion(p: ManagedPolicy, versionId: string | undefined) {
  const version = p.versions.find((v) => v.VersionId === versionId);
  if (!version) throw noSuchEntity(`Policy ${p.Arn} version ${versionId} does not exist or is not attachable.`);
  return version;
}

/** Customer managed policies with their versions. AWS managed policies are not catalogued: they can be attached, not read. */
export function policyOperations(state: IamState) {
  const now = () => iamNow(state);
  return {
    CreatePolicy(input: any, ctx: RequestContext) {
      checkName('policyName', input.PolicyName, 128);
      const document = checkPolicyDocument('policyDocument', input.PolicyDocument);
      const path = checkPath(input.Path);
      if (input.Description !== undefined && input.Description.length > 1000) {
        throw constraintViolation('ValidationError', 'description', input.Description, 'Member must have length less than or equal to 1000');
      }
      const arn = `arn:aws:iam::${ctx.accountId}:policy${path}${input.PolicyName}`;
      if (state.policies.has(arn)) throw new AwsError('EntityAlreadyExists', `A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`, 409);
      const created = now();
      const p: ManagedPolicy = {
        PolicyName: input.PolicyName,
        Arn: arn,
        PolicyId: iamId('ANPA', uuid()),
        Path: path,
        Description: input.Description,
        CreateDate: created,
        UpdateDate: created,
        Tags: mergeTags([], input.Tags),
        DefaultVersionId: 'v1',
        versions: [{ VersionId: 'v1', Document: document, CreateDate: created }],
        nextVersion: 2,
      };
      state.policies.set(arn, p);
      return { Policy: policyView(state, p) };
    },
    GetPolicy(input: any) {
      return { Policy: policyView(state, getPolicy(state, input.PolicyArn)) };
    },
    /** Only customer managed policies are listed, whatever the scope: AWS managed ones are not catalogued. */
    ListPolicies(input: any) {
      const prefix: string = input.PathPrefix ?? '/';
      const scope: string = input.Scope ?? 'All';
      const listed = scope === 'AWS' ? [] : [...state.policies.values()].map(upgraded).filter((p) => p.Path.startsWith(prefix));
      const shown = listed.filter((p) => !input.OnlyAttached || attachmentCount(state, p.Arn) > 0).map((p) => policyView(state, p, false));
      const { items, ...rest } = page(shown, input);
      return { Policies: items, ...rest };
    },
    DeletePolicy(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      if (attachmentCount(state, p.Arn) || boundaryCount(state, p.Arn)) throw deleteConflict('Cannot delete a policy attached to entities.');
      if (p.versions.length > 1) {
        throw deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
      }
      state.policies.delete(p.Arn);
      return {};
    },
    CreatePolicyVersion(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      const document = checkPolicyDocument('policyDocument', input.PolicyDocument);
      if (p.versions.length >= MAX_VERSIONS) {
        throw new AwsError('LimitExceeded', `A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`, 409);
      }
      const version = { VersionId: `v${p.nextVersion++}`, Document: document, CreateDate: now() };
      p.versions.push(version);
      if (input.SetAsDefault) {
        p.DefaultVersionId = version.VersionId;
        p.UpdateDate = version.CreateDate;
      }
      return { PolicyVersion: versionView(p, version, false) };
    },
    GetPolicyVersion(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      return { PolicyVersion: versionView(p, findVersion(p, input.VersionId), true) };
    },
    ListPolicyVersions(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      const newestFirst = [...p.versions].reverse().map((v) => versionView(p, v, false));
      const { items, ...rest } = page(newestFirst, input);
      return { Versions: items, ...rest };
    },
    DeletePolicyVersion(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      const version = findVersion(p, input.VersionId);
      if (version.VersionId === p.DefaultVersionId) throw deleteConflict('Cannot delete the default version of a policy.');
      p.versions = p.versions.filter((v) => v !== version);
      return {};
    },
    SetDefaultPolicyVersion(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      p.DefaultVersionId = findVersion(p, input.VersionId).VersionId;
      p.UpdateDate = now();
      return {};
    },
    /** Entities using the policy as a permissions policy, as a boundary, or both (PolicyUsageFilter unset), paged together. */
    ListEntitiesForPolicy(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      const filter: string | undefined = input.EntityFilter;
      const usage: string | undefined = input.PolicyUsageFilter;
      const attached = usage === 'PermissionsBoundary' ? { roles: [], users: [], groups: [] } : attachedTo(state, p.Arn);
      const bounded = usage === 'PermissionsPolicy' ? { roles: [], users: [] } : boundedBy(state, p.Arn);
      const wanted = (kind: string) => filter === undefined || filter === kind;
      const unique = <T>(items: T[]) => [...new Set(items)];
      const entities = [
        ...(wanted('Group') ? attached.groups.map((g) => ({ kind: 'group', view: { GroupName: g.GroupName, GroupId: g.GroupId } })) : []),
        ...(wanted('User') ? unique([...attached.users, ...bounded.users]).map((u) => ({ kind: 'user', view: { UserName: u.UserName, UserId: u.UserId } })) : []),
        ...(wanted('Role') ? unique([...attached.roles, ...bounded.roles]).map((r) => ({ kind: 'role', view: { RoleName: r.RoleName, RoleId: r.RoleId } })) : []),
      ];
      const { items, ...rest } = page(entities, input);
      const of = (kind: string) => items.filter((e) => e.kind === kind).map((e) => e.view);
      return { PolicyGroups: of('group'), PolicyUsers: of('user'), PolicyRoles: of('role'), ...rest };
    },
    TagPolicy(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      p.Tags = mergeTags(p.Tags, input.Tags);
      return {};
    },
    UntagPolicy(input: any) {
      const p = getPolicy(state, input.PolicyArn);
      p.Tags = withoutTags(p.Tags, input.TagKeys);
      return {};
    },
    ListPolicyTags(input: any) {
      const { items, ...rest } = page(getPolicy(state, input.PolicyArn).Tags, input);
      return { Tags: items, ...rest };
    },
  };
}
