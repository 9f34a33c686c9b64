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
  /** The managed policy's ARN that bounds the role's permissions (stored, not enforced). */
  permissionsBoundary?: string;
}

export interface User {
  UserName: string;
  /** `AIDA…`: stays the same across renames, so keys and group memberships refer to it. */
  UserId: string;
  Arn: string;
  Path: string;
  CreateDate: Date;
  Tags: Tag[];
  attached: Map<string, string>;
  inline: Map<string, string>;
  permissionsBoundary?: string;
  loginProfile?: { CreateDate: Date; PasswordResetRequired: boolean };
}

export interface Group {
  GroupName: string;
  GroupId: string;
  Arn: string;
  Path: string;
  CreateDate: Date;
  attached: Map<string, string>;
  inline: Map<string, string>;
  /** Members by UserId, in the order they were added. */
  members: Set<string>;
}

/** A user's long-term access key; the secret is shown once, at creation, and kept to verify signatures. */
export interface AccessKey {
  AccessKeyId: string;
  SecretAccessKey: string;
  userId: string;
  Status: 'Active' | 'Inactive';
  CreateDate: Date;
  lastUsed?: { date: Date; service: string; region: string };
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

/** An OpenID Connect identity provider (GitHub Actions, EKS), keyed by ARN. */
export interface OidcProvider {
  Arn: string;
  /** As given, with its `https://` scheme. */
  Url: string;
  ClientIDList: string[];
  ThumbprintList: string[];
  CreateDate: Date;
  Tags: Tag[];
}

/** A SAML 2.0 identity provider, keyed by ARN; its metadata document is kept as given. */
export interface SamlProvider {
  Arn: string;
  Name: string;
  SAMLProviderUUID: string;
  SAMLMetadataDocument: string;
  CreateDate: Date;
  ValidUntil: Date;
  AssertionEncryptionMode?: string;
  Tags: Tag[];
}

/** A virtual MFA device; `userId` once enabled for a user (so a rename keeps it). */
export interface MfaDevice {
  SerialNumber: string;
  /** The TOTP secret, base32 as authenticator apps take it. */
  seed: string;
  CreateDate: Date;
  Tags: Tag[];
  userId?: string;
  EnableDate?: Date;
  /** The last TOTP step accepted, so a code is never accepted twice. */
  lastStep?: number;
}

/** A user's SSH public key (CodeCommit), keyed by SSHPublicKeyId. */
export interface SshPublicKey {
  SSHPublicKeyId: string;
  userId: string;
  SSHPublicKeyBody: string;
  Fingerprint: string;
  Status: 'Active' | 'Inactive';
  UploadDate: Date;
}

/** A server certificate (for ELB/CloudFront), keyed by name; its private key is checked, never kept. */
export interface ServerCertificate {
  ServerCertificateName: string;
  ServerCertificateId: string;
  Arn: string;
  Path: string;
  UploadDate: Date;
  Expiration: Date;
  CertificateBody: string;
  CertificateChain?: string;
  Tags: Tag[];
}

/** A user's X.509 signing certificate, keyed by CertificateId. */
export interface SigningCertificate {
  CertificateId: string;
  userId: string;
  CertificateBody: string;
  Status: 'Active' | 'Inactive';
  UploadDate: Date;
}

export interface IamState {
  deps: ServiceDeps;
  roles: Map<string, Role>;
  /** By ARN. */
  policies: Map<string, ManagedPolicy>;
  instanceProfiles: Map<string, InstanceProfile>;
  users: Map<string, User>;
  groups: Map<string, Group>;
  /** By AccessKeyId. */
  accessKeys: Map<string, AccessKey>;
  /** Account-wide settings: `alias` (string) and `passwordPolicy`. */
  account: Map<string, unknown>;
  /** By ARN. */
  oidcProviders: Map<string, OidcProvider>;
  /** By ARN. */
  samlProviders: Map<string, SamlProvider>;
  /** Service-linked role deletions by DeletionTaskId (they finish at once here): task id → status. */
  deletionTasks: Map<string, string>;
  /** By SerialNumber. */
  mfaDevices: Map<string, MfaDevice>;
  sshPublicKeys: Map<string, SshPublicKey>;
  serverCertificates: Map<string, ServerCertificate>;
  signingCertificates: Map<string, SigningCertificate>;
}

export const noSuchEntity = (message: string): AwsError => new AwsError('NoSuchEntity', message, 404);
export const deleteConflict = (message: string): AwsError => new AwsError('DeleteConflict', message, 409);

export function getRole(state: IamState, name: string | undefined): Role {
  const role = name === undefined ? undefined : state.roles.get(name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

export function getUser(state: IamState, name: string | undefined): User {
  const user = name === undefined ? undefined : state.users.get(name);
  if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return user;
}

export function getGroup(state: IamState, name: string | undefined): Group {
  const group = name === undefined ? undefined : state.groups.get(name);
  if (!group) throw noSuchEntity(`The group with name ${name} cannot be found.`);
  return group;
}

export const userById = (state: IamState, userId: string): User | undefined => [...state.users.values()].find((u) => u.UserId === userId);

/** A customer managed policy of this account must exist to be attached; AWS managed ones are not catalogued here. */
export function checkAttachable(state: IamState, arn: string): void {
  if (arn.split(':')[4] !== 'aws' && !state.policies.has(arn)) {
    throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  }
}

/** How users and roles show their permissions boundary. */
export const boundaryView = (arn: string | undefined) =>
  arn === undefined ? undefined : { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn };

/** IAM's ids: a four-letter prefix naming the kind (AROA role, ANPA policy, AIPA instance profile, AIDA user, AGPA group), then 17 characters. */
export const iamId = (prefix: string, random: string): string => `${prefix}${random.replace(/-/g, '').slice(0, 17).toUpperCase()}`;

/** Tags after TagRole (or creation): keys unique, the last value wins, at most 50. */
export function mergeTags(current: Tag[], added: { Key?: string; Value?: string }[] | undefined): Tag[] {
  const merged = mergedTags(current, added);
  if (merged.length > 50) throw new AwsError('LimitExceeded', 'The number of tags has reached the maximum limit.', 409);
  return merged;
}

/** IAM's dates have whole seconds. */
export const iamNow = (state: IamState): Date => new Date(Math.floor(state.deps.clock.now() / 1000) * 1000);
