import { copyOf } from '../core/clone';
import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { invalidArgument } from './errors';
import { versionTarget } from './object-read';
import { ALL_USERS, assertAclAllowedByPublicAccessBlock, AUTHENTICATED_USERS, isPublicAcl } from './public-access';
import { canonicalUserId, getBucket, owner, type Out, type S3State } from './state';
import type { Bucket, ObjectVersion, StoredAcl } from './store';

/**
 * Access control lists: Get/PutBucketAcl, Get/PutObjectAcl, and the ACL a CreateBucket, PutObject, CopyObject or
 * CreateMultipartUpload asks for. ACLs are stored and reported, never enforced: every caller may do everything
 * (this emulator checks no permissions). What S3 refuses is refused: any ACL but the owner's full control while
 * Object Ownership is BucketOwnerEnforced (ACLs disabled), and public ACLs while BlockPublicAcls is on.
 */

const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
/** The canonical user `aws-exec-read` grants READ to (EC2, reading AMI bundles). */
const EC2_BUNDLE_READER = '6aa5a366c34c1cbe25dc49211496e913e0351eb3e8c37aa3477e40942ec6b97c';
const PERMISSIONS = new Set(['FULL_CONTROL', 'READ', 'READ_ACP', 'WRITE', 'WRITE_ACP']);

const userGrant = (id: string, permission: S3.Permission): S3.Grant => ({ Grantee: { Type: 'CanonicalUser', ID: id }, Permission: permission });
const groupGrant = (uri: string, permission: S3.Permission): S3.Grant => ({ Grantee: { Type: 'Group', URI: uri }, Permission: permission });

/** What a canned ACL grants (S3 User Guide, "Canned ACL"), for a resource owned by `ownerAccount`. */
export function cannedGrants(acl: string, ownerAccount: string, bucketOwnerAccount: string): S3.Grant[] {
  const ownerId = canonicalUserId(ownerAccount);
  const bucketOwnerId = canonicalUserId(bucketOwnerAccount);
  const full = userGrant(ownerId, 'FULL_CONTROL');
  switch (acl) {
    case 'private':
      return [full];
    case 'public-read':
      return [full, groupGrant(ALL_USERS, 'READ')];
    case 'public-read-write':
      return [full, groupGrant(ALL_USERS, 'READ'), groupGrant(ALL_USERS, 'WRITE')];
    case 'authenticated-read':
      return [full, groupGrant(AUTHENTICATED_USERS, 'READ')];
    case 'aws-exec-read':
      return [full, userGrant(EC2_BUNDLE_READER, 'READ')];
    case 'bucket-owner-read':
      return bucketOwnerId === ownerId ? [full] : [full, userGrant(bucketOwnerId, 'READ')];
    case 'bucket-owner-full-control':
      return bucketOwnerId === ownerId ? [full] : [full, userGrant(bucketOwnerId, 'FULL_CONTROL')];
    case 'log-delivery-write':
      return [full, groupGrant(LOG_DELIVERY, 'WRITE'), groupGrant(LOG_DELIVERY, 'READ_ACP')];
    default:
      throw invalidArgument('', 'x-amz-acl', acl);
  }
}

/** The x-amz-grant-* headers: `id="…", uri="…", emailAddress="…"` lists, one header per permission. */
interface GrantHeaders {
  GrantFullControl?: string;
  GrantRead?: string;
  GrantReadACP?: string;
  GrantWrite?: string;
  GrantWriteACP?: string;
}

const GRANT_HEADERS: [keyof GrantHeaders, S3.Permission, string][] = [
  ['GrantFullControl', 'FULL_CONTROL', 'x-amz-grant-full-control'],
  ['GrantRead', 'READ', 'x-amz-grant-read'],
  ['GrantReadACP', 'READ_ACP', 'x-amz-grant-read-acp'],
  ['GrantWrite', 'WRITE', 'x-amz-grant-write'],
  ['GrantWriteACP', 'WRITE_ACP', 'x-amz-grant-write-acp'],
];

function headerGrants(input: GrantHeaders): S3.Grant[] {
  const grants: S3.Grant[] = [];
  for (const [member, permission, header] of GRANT_HEADERS) {
    const value = input[member];
    if (value === undefined) continue;
    for (const part of value.split(',')) {
      const m = /^\s*(id|uri|emailAddress)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
      if (!m || !m[2]) throw invalidArgument('Argument format not recognized', header, value);
      const kind = m[1]!.toLowerCase();
      const grantee: S3.Grantee =
        kind === 'id' ? { Type: 'CanonicalUser', ID: m[2] } : kind === 'uri' ? { Type: 'Group', URI: m[2] } : { Type: 'AmazonCustomerByEmail', EmailAddress: m[2] };
      grants.push({ Grantee: grantee, Permission: permission });
    }
  }
  return grants;
}

const malformedAcl = (): AwsError =>
  new AwsError('MalformedACLError', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

/** An AccessControlPolicy document: an Owner and grants whose grantee carries what its type needs. */
function policyGrants(policy: S3.AccessControlPolicy): S3.Grant[] {
  if (!policy.Owner?.ID) throw malformedAcl();
  return (policy.Grants ?? []).map((g) => {
    const t = g.Grantee?.Type;
    const ok =
      PERMISSIONS.has(g.Permission ?? '') &&
      ((t === 'CanonicalUser' && g.Grantee?.ID) || (t === 'Group' && g.Grantee?.URI) || (t === 'AmazonCustomerByEmail' && g.Grantee?.EmailAddress));
    if (!ok) throw malformedAcl();
    const grantee: S3.Grantee = t === 'CanonicalUser' ? { Type: t, ID: g.Grantee!.ID } : t === 'Group' ? { Type: t, URI: g.Grantee!.URI } : { Type: t!, EmailAddress: g.Grantee!.EmailAddress };
    return { Grantee: grantee, Permission: g.Permission };
  });
}

export interface AclInput extends GrantHeaders {
  ACL?: string;
  AccessControlPolicy?: S3.AccessControlPolicy;
}

/** The grants a request asks for (canned ACL, grant headers or an AccessControlPolicy), or undefined for none. */
export function requestedGrants(input: AclInput, ownerAccount: string, bucketOwnerAccount: string): { grants: S3.Grant[]; canned?: string } | undefined {
  const hasHeaders = GRANT_HEADERS.some(([member]) => input[member] !== undefined);
  if (input.ACL !== undefined && hasHeaders) {
    throw new AwsError('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed', 400);
  }
  if (input.ACL !== undefined) return { grants: cannedGrants(input.ACL, ownerAccount, bucketOwnerAccount), canned: input.ACL };
  if (hasHeaders) return { grants: headerGrants(input) };
  if (input.AccessControlPolicy) return { grants: policyGrants(input.AccessControlPolicy) };
  return undefined;
}

/** With ACLs disabled, S3 still accepts an ACL that only gives the bucket owner full control. */
const onlyBucketOwnerFullControl = (bucket: Bucket, req: { grants: S3.Grant[]; canned?: string }): boolean =>
  req.canned === 'private' ||
  req.canned === 'bucket-owner-full-control' ||
  req.grants.every((g) => g.Permission === 'FULL_CONTROL' && g.Grantee?.Type === 'CanonicalUser' && g.Grantee.ID === canonicalUserId(bucket.ownerAccount));

export const aclsDisabled = (bucket: Bucket): boolean => bucket.ownership === 'BucketOwnerEnforced';

const aclNotSupported = (): AwsError => new AwsError('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);

/**
 * The ACL an object write stores: undefined for none asked (private) and whenever ACLs are disabled (the bucket
 * owner owns everything then). Throws what S3 throws for an ACL the bucket refuses.
 */
export function objectAclForWrite(bucket: Bucket, input: AclInput, writerAccount: string): StoredAcl | undefined {
  const req = requestedGrants(input, writerAccount, bucket.ownerAccount);
  if (!req) return undefined;
  if (aclsDisabled(bucket)) {
    if (!onlyBucketOwnerFullControl(bucket, req)) throw aclNotSupported();
    return undefined;
  }
  assertAclAllowedByPublicAccessBlock(bucket, req.grants);
  // BucketOwnerPreferred: an object written with bucket-owner-full-control becomes the bucket owner's.
  const preferred = bucket.ownership === 'BucketOwnerPreferred' && req.canned === 'bucket-owner-full-control';
  return { ownerAccount: preferred ? bucket.ownerAccount : writerAccount, grants: req.grants };
}

/** CreateBucket's ACL, checked against the ownership and the Block Public Access every new bucket starts with. */
export function bucketAclForCreate(bucket: Bucket, input: AclInput): StoredAcl | undefined {
  const req = requestedGrants(input, bucket.ownerAccount, bucket.ownerAccount);
  if (!req) return undefined;
  if (aclsDisabled(bucket)) {
    if (!onlyBucketOwnerFullControl(bucket, req)) {
      throw new AwsError('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", 400);
    }
    return undefined;
  }
  if (bucket.publicAccessBlock?.BlockPublicAcls && isPublicAcl(req.grants)) {
    throw new AwsError('InvalidBucketAclWithBlockPublicAccessError', 'Bucket cannot have public ACLs set with BlockPublicAccess enabled', 400);
  }
  return { ownerAccount: bucket.ownerAccount, grants: req.grants };
}

/** Whether a bucket's stored ACL gives anything beyond the owner's full control (BucketOwnerEnforced refuses that). */
export const bucketAclIsCustom = (bucket: Bucket): boolean =>
  bucket.acl !== undefined && !onlyBucketOwnerFullControl(bucket, { grants: bucket.acl.grants });

const aclOutput = (acl: StoredAcl) => ({ Owner: owner(acl.ownerAccount), Grants: copyOf(acl.grants) });
const privateAcl = (account: string): StoredAcl => ({ ownerAccount: account, grants: [userGrant(canonicalUserId(account), 'FULL_CONTROL')] });

/** An object version's ACL as reported: with ACLs disabled, the bucket owner's full control whatever was stored. */
function objectAcl(bucket: Bucket, v: ObjectVersion): StoredAcl {
  if (aclsDisabled(bucket)) return privateAcl(bucket.ownerAccount);
  return v.acl ?? privateAcl(v.ownerAccount);
}

export function aclOperations(state: S3State) {
  const { notifier } = state;


  /** PutBucketAcl / PutObjectAcl need one of the ACL header, grant headers or a body. */
  function required(req: ReturnType<typeof requestedGrants>) {
    if (!req) throw new AwsError('MissingSecurityHeader', 'Your request was missing a required header', 400, { MissingHeaderName: 'x-amz-acl' });
    return req;
  }

  return {
    async GetBucketAcl(input: S3.GetBucketAclCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketAclCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      return aclOutput(!aclsDisabled(bucket) && bucket.acl ? bucket.acl : privateAcl(bucket.ownerAccount));
    },

    async PutBucketAcl(input: S3.PutBucketAclCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketAclCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const req = required(requestedGrants(input, bucket.ownerAccount, bucket.ownerAccount));
      if (aclsDisabled(bucket)) {
        if (!onlyBucketOwnerFullControl(bucket, req)) throw aclNotSupported();
        bucket.acl = undefined;
        return {};
      }
      assertAclAllowedByPublicAccessBlock(bucket, req.grants);
      bucket.acl = { ownerAccount: bucket.ownerAccount, grants: req.grants };
      return {};
    },

    async GetObjectAcl(input: S3.GetObjectAclCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetObjectAclCommandOutput>> {
      const { bucket, version } = versionTarget(state, input, 'GET');
      return aclOutput(objectAcl(bucket, version));
    },

    async PutObjectAcl(input: S3.PutObjectAclCommandInput, ctx: RequestContext): Promise<Out<S3.PutObjectAclCommandOutput>> {
      const { bucket, version } = versionTarget(state, input, 'PUT');
      const ownerAccount = version.acl?.ownerAccount ?? version.ownerAccount;
      const req = required(requestedGrants(input, ownerAccount, bucket.ownerAccount));
      if (aclsDisabled(bucket)) {
        if (!onlyBucketOwnerFullControl(bucket, req)) throw aclNotSupported();
        return {};
      }
      assertAclAllowedByPublicAccessBlock(bucket, req.grants);
      version.acl = { ownerAccount, grants: req.grants };
      notifier.emit({ bucket, eventName: 'ObjectAcl:Put', key: version.key, versionId: version.versionId, etag: version.etag, size: version.body.length, ctx });
      return {};
    },
  };
}
