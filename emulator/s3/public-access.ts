import type * as S3 from '@aws-sdk/client-s3';
import { AwsError } from '../core/errors';
import type { Bucket } from './store';

/** What S3 counts as public, for Block Public Access and GetBucketPolicyStatus. */

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

/** An ACL is public when it grants anything to everyone or to every AWS account. */
export const isPublicAcl = (grants: S3.Grant[]): boolean =>
  grants.some((g) => g.Grantee?.Type === 'Group' && (g.Grantee.URI === ALL_USERS || g.Grantee.URI === AUTHENTICATED_USERS));

const isWildcard = (principal: unknown): boolean => {
  if (principal === '*') return true;
  if (Array.isArray(principal)) return principal.includes('*');
  if (principal && typeof principal === 'object') return isWildcard((principal as Record<string, unknown>).AWS);
  return false;
};

/**
 * A policy is public when a statement allows a wildcard principal (`"*"` or `{"AWS":"*"}`) without a Condition.
 * (S3 also treats some conditions as not narrowing access enough; any condition counts as narrowing here.)
 */
export function isPublicPolicy(text: string): boolean {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    return false;
  }
  const statements: any[] = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : [];
  return statements.some((s) => s?.Effect === 'Allow' && isWildcard(s.Principal) && (s.Condition === undefined || Object.keys(s.Condition).length === 0));
}

/** S3's answer when Block Public Access refuses a request: a plain 403. */
export const blockedByPublicAccessBlock = (): AwsError => new AwsError('AccessDenied', 'Access Denied', 403);

/** BlockPublicAcls: a request that sets a public ACL is refused. */
export function assertAclAllowedByPublicAccessBlock(bucket: Bucket, grants: S3.Grant[]): void {
  if (bucket.publicAccessBlock?.BlockPublicAcls && isPublicAcl(grants)) throw blockedByPublicAccessBlock();
}
