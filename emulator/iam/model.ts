import { AwsError } from '../core/errors';
import type { ServiceDeps } from '../core/service';
import { mergedTags, type Tag } from '../core/tags';

/** IAM's records. Policies are stored and shown, never enforced. */

export type { Tag };

export interface Role {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  CreateDate: Date;
  AssumeRolePolicyDocument?: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: Tag[];
  /** Managed policies attached: ARN → name. */
  attached: Map<string, string>;
  /** Inline policies: name → document. */
  inline: Map<string, string>;
}

export interface PolicyVersion {
  VersionId: string;
  Document: string;
  CreateDate: Date;
}

/** A customer managed policy and its versions (at most five, one of them the default). */
export interface ManagedPolicy {
  PolicyName: string;
  Arn: string;
  PolicyId: string;
  Path: string;
  Description?: string;
  CreateDate: Date;
  UpdateDate: Date;
  Tags: Tag[];
  DefaultVersionId: string;
  versions: PolicyVersion[];
  /** Version ids are never reused: v1, v2, … even after deletes. */
  nextVersion: number;
}

export interface InstanceProfile {
  InstanceProfileName: string;
  InstanceProfileId: string;
  Arn: string;
  Path: string;
  CreateDate: Date;
  Tags: Tag[];
  /** IAM allows one role per instance profile. */
  roleName?: string;
}

export interface IamState {
  deps: ServiceDeps;
  roles: Map<string, Role>;
  /** By ARN. */
  policies: Map<string, ManagedPolicy>;
  instanceProfiles: Map<string, InstanceProfile>;
}

export const noSuchEntity = (message: string): AwsError => new AwsError('NoSuchEntity', message, 404);
export const deleteConflict = (message: string): AwsError => new AwsError('DeleteConflict', message, 409);

export function getRole(state: IamState, name: string | undefined): Role {
  const role = name === undefined ? undefined : state.roles.get(name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

/** IAM's ids: a four-letter prefix naming the kind (AROA role, ANPA policy, AIPA instance profile), then 17 characters. */
export const iamId = (prefix: string, random: string): string => `${prefix}${random.replace(/-/g, '').slice(0, 17).toUpperCase()}`;

/** Tags after TagRole (or creation): keys unique, the last value wins, at most 50. */
export function mergeTags(current: Tag[], added: { Key?: string; Value?: string }[] | undefined): Tag[] {
  const merged = mergedTags(current, added);
  if (merged.length > 50) throw new AwsError('LimitExceeded', 'The number of tags has reached the maximum limit.', 409);
  return merged;
}

/** IAM's dates have whole seconds. */
export const iamNow = (state: IamState): Date => new Date(Math.floor(state.deps.clock.now() / 1000) * 1000);
