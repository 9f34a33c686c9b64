import { AwsError } from '../core/errors';
import { persistedMaps } from '../core/persist-whole';
import type { RequestContext } from '../core/context';
import type { ServiceDeps } from '../core/service';
import { uuid } from '../core/ids';
import { checkName, checkPath, checkPolicyArn, checkPolicyDocument } from './validation';

/**
 * IAM as provisioning scripts use it: roles and their policies are accepted and stored, never enforced.
 * Scripts written for AWS run unchanged.
 */
interface Role {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  CreateDate: Date;
  AssumeRolePolicyDocument?: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: { Key: string; Value: string }[];
  attached: Map<string, string>;
  inline: Map<string, string>;
}

export function createIamProvider(deps: ServiceDeps) {
  const roles = new Map<string, Role>();
  const policies = new Map<string, { PolicyName: string; Arn: string; PolicyId: string; Document: string; CreateDate: Date }>();

  const role = (name: string | undefined): Role => {
    const r = name ? roles.get(name) : undefined;
    if (!r) throw new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
    return r;
  };
  const view = (r: Role) => ({
    RoleName: r.RoleName, RoleId: r.RoleId, Arn: r.Arn, Path: r.Path, CreateDate: r.CreateDate,
    AssumeRolePolicyDocument: r.AssumeRolePolicyDocument ? encodeURIComponent(r.AssumeRolePolicyDocument) : undefined,
    Description: r.Description, MaxSessionDuration: r.MaxSessionDuration, Tags: r.Tags,
  });

  return {
    persistence: deps.options.dataDir ? persistedMaps({ roles, policies }, /^(Get|List)/) : undefined,
    reset() {
      roles.clear();
      policies.clear();
    },
    CreateRole(input: any, ctx: RequestContext) {
      checkName('roleName', input.RoleName, 64);
      const path = checkPath(input.Path);
      checkPolicyDocument('assumeRolePolicyDocument', input.AssumeRolePolicyDocument);
      if (roles.has(input.RoleName)) {
        throw new AwsError('EntityAlreadyExists', `Role with name ${input.RoleName} already exists.`, 409);
      }
      const r: Role = {
        RoleName: input.RoleName,
        RoleId: `AROA${uuid().replace(/-/g, '').slice(0, 17).toUpperCase()}`,
        Arn: `arn:aws:iam::${ctx.accountId}:role${path}${input.RoleName}`,
        Path: path,
        CreateDate: new Date(deps.clock.now()),
        AssumeRolePolicyDocument: input.AssumeRolePolicyDocument,
        Description: input.Description,
        MaxSessionDuration: input.MaxSessionDuration ?? 3600,
        Tags: input.Tags ?? [],
        attached: new Map(),
        inline: new Map(),
      };
      roles.set(r.RoleName, r);
      return { Role: view(r) };
    },
    GetRole(input: any) {
      return { Role: view(role(input.RoleName)) };
    },
    TagRole(input: any) {
      const r = role(input.RoleName);
      const merged = new Map(r.Tags.map((t) => [t.Key, t.Value]));
      for (const t of input.Tags ?? []) merged.set(t.Key, t.Value ?? '');
      if (merged.size > 50) throw new AwsError('LimitExceeded', 'The number of tags has reached the maximum limit.', 409);
      r.Tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
      return {};
    },
    UntagRole(input: any) {
      const r = role(input.RoleName);
      const drop = new Set<string>(input.TagKeys ?? []);
      r.Tags = r.Tags.filter((t) => !drop.has(t.Key));
      return {};
    },
    ListRoleTags(input: any) {
      return { Tags: role(input.RoleName).Tags, IsTruncated: false };
    },
    ListRoles() {
      return { Roles: [...roles.values()].map(view), IsTruncated: false };
    },
    DeleteRole(input: any) {
      const r = role(input.RoleName);
      if (r.attached.size || r.inline.size) {
        throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
      }
      roles.delete(r.RoleName);
      return {};
    },
    AttachRolePolicy(input: any) {
      const r = role(input.RoleName);
      const arn = checkPolicyArn(input.PolicyArn);
      r.attached.set(arn, arn.split('/').pop()!);
      return {};
    },
    DetachRolePolicy(input: any) {
      const r = role(input.RoleName);
      if (!r.attached.delete(input.PolicyArn)) throw new AwsError('NoSuchEntity', `Policy ${input.PolicyArn} was not found.`, 404);
      return {};
    },
    ListAttachedRolePolicies(input: any) {
      const r = role(input.RoleName);
      return { AttachedPolicies: [...r.attached].map(([PolicyArn, PolicyName]) => ({ PolicyArn, PolicyName })), IsTruncated: false };
    },
    PutRolePolicy(input: any) {
      const r = role(input.RoleName);
      r.inline.set(checkName('policyName', input.PolicyName, 128), checkPolicyDocument('policyDocument', input.PolicyDocument));
      return {};
    },
    GetRolePolicy(input: any) {
      const r = role(input.RoleName);
      const doc = r.inline.get(input.PolicyName);
      if (doc === undefined) throw new AwsError('NoSuchEntity', `The role policy with name ${input.PolicyName} cannot be found.`, 404);
      return { RoleName: r.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(doc) };
    },
    DeleteRolePolicy(input: any) {
      if (!role(input.RoleName).inline.delete(input.PolicyName)) {
        throw new AwsError('NoSuchEntity', `The role policy with name ${input.PolicyName} cannot be found.`, 404);
      }
      return {};
    },
    ListRolePolicies(input: any) {
      return { PolicyNames: [...role(input.RoleName).inline.keys()], IsTruncated: false };
    },
    CreatePolicy(input: any, ctx: RequestContext) {
      checkName('policyName', input.PolicyName, 128);
      checkPolicyDocument('policyDocument', input.PolicyDocument);
      const arn = `arn:aws:iam::${ctx.accountId}:policy${checkPath(input.Path)}${input.PolicyName}`;
      if (policies.has(arn)) throw new AwsError('EntityAlreadyExists', `A policy called ${input.PolicyName} already exists.`, 409);
      const p = { PolicyName: input.PolicyName, Arn: arn, PolicyId: `ANPA${uuid().replace(/-/g, '').slice(0, 17).toUpperCase()}`, Document: input.PolicyDocument, CreateDate: new Date(deps.clock.now()) };
      policies.set(arn, p);
      return { Policy: { PolicyName: p.PolicyName, Arn: p.Arn, PolicyId: p.PolicyId, CreateDate: p.CreateDate, DefaultVersionId: 'v1', AttachmentCount: 0 } };
    },
    DeletePolicy(input: any) {
      if (!policies.delete(input.PolicyArn)) throw new AwsError('NoSuchEntity', `Policy ${input.PolicyArn} was not found.`, 404);
      return {};
    },
  };
}
