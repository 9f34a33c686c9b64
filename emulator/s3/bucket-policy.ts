import { AwsError } from '../core/errors';
import { globMatches, globTokens } from '../core/patterns/glob';
import { CONDITION_OPERATORS, parseConditionOperator } from '../core/resource-policy';
import { bucketArn } from './state';

/**
 * What PutBucketPolicy refuses, with S3's own `400 MalformedPolicy` messages: the policy grammar (Version, Id,
 * Statement; Sid, Effect, Principal/NotPrincipal, Action/NotAction, Resource/NotResource, Condition), the 20 KB
 * size limit, actions named as S3 actions, resources naming this bucket or its objects, known condition
 * operators, and condition values that are scalars or lists of scalars.
 *
 * The walk only goes down the shapes the grammar allows, one level at a time, so a value nested thousands of
 * levels deep is refused where it stands rather than walked. What S3 also checks but needs its catalogues
 * (every action's name, every condition key) is left out: an unknown `s3:` action name or condition key is
 * accepted here.
 */

/** "Bucket policies are limited to 20 KB in size", counted on the document without insignificant white space. */
const MAX_BUCKET_POLICY_BYTES = 20_480;

const malformed = (message: string): AwsError => new AwsError('MalformedPolicy', message, 400);

const POLICY_MESSAGES = {
  notJson: "Policies must be valid JSON and the first byte must be '{'",
  invalidJson: 'This policy contains invalid Json',
  tooLarge: `Normalized policy document exceeds the maximum allowed size of ${MAX_BUCKET_POLICY_BYTES} bytes`,
  syntax: 'Invalid policy syntax.',
  version: 'The policy must contain a valid version string',
  missingStatement: 'Missing required field Statement',
  emptyStatement: 'Could not parse the policy: Statement is empty!',
  missingElement: 'Statement is missing required element',
  missingPrincipal: 'Missing required field Principal',
  emptyPrincipal: 'Missing required field Principal cannot be empty!',
  invalidPrincipal: 'Invalid principal in policy',
  invalidAction: 'Policy has invalid action',
  invalidResource: 'Policy has invalid resource',
  actionNotApplicable: 'Action does not apply to any resource(s) in statement',
  unknownField: (name: string) => `Unknown field ${name}`,
  invalidEffect: (effect: string) => `Invalid effect: ${effect}`,
  conditionType: (operator: string) => `Invalid Condition type : ${operator}`,
} as const;
const M = POLICY_MESSAGES;

const POLICY_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'CanonicalUser', 'Federated']);

/**
 * Actions whose only resource type is an object, and actions whose only resource type is the bucket (lowercase,
 * without `s3:`), for "Action does not apply to any resource(s) in statement". Only these are judged: an action
 * outside both lists, or a wildcard pattern, is taken to apply to whatever the statement names.
 */
const OBJECT_ACTIONS = new Set(
  [
    'GetObject', 'GetObjectVersion', 'PutObject', 'DeleteObject', 'DeleteObjectVersion', 'GetObjectAcl', 'PutObjectAcl',
    'GetObjectVersionAcl', 'PutObjectVersionAcl', 'GetObjectTagging', 'PutObjectTagging', 'DeleteObjectTagging',
    'GetObjectVersionTagging', 'PutObjectVersionTagging', 'DeleteObjectVersionTagging', 'GetObjectAttributes',
    'GetObjectVersionAttributes', 'AbortMultipartUpload', 'ListMultipartUploadParts', 'RestoreObject', 'GetObjectRetention',
    'PutObjectRetention', 'GetObjectLegalHold', 'PutObjectLegalHold',
  ].map((a) => a.toLowerCase()),
);
const BUCKET_ACTIONS = new Set(
  [
    'ListBucket', 'ListBucketVersions', 'ListBucketMultipartUploads', 'GetBucketLocation', 'DeleteBucket', 'GetBucketAcl',
    'PutBucketAcl', 'GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy', 'GetBucketPolicyStatus', 'GetBucketVersioning',
    'PutBucketVersioning', 'GetBucketTagging', 'PutBucketTagging', 'GetBucketCORS', 'PutBucketCORS', 'GetLifecycleConfiguration',
    'PutLifecycleConfiguration', 'GetBucketNotification', 'PutBucketNotification', 'GetEncryptionConfiguration',
    'PutEncryptionConfiguration', 'GetBucketPublicAccessBlock', 'PutBucketPublicAccessBlock', 'GetBucketOwnershipControls',
    'PutBucketOwnershipControls', 'GetBucketWebsite', 'PutBucketWebsite', 'DeleteBucketWebsite', 'GetBucketLogging',
    'PutBucketLogging', 'GetBucketObjectLockConfiguration', 'PutBucketObjectLockConfiguration',
  ].map((a) => a.toLowerCase()),
);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a bucket policy for `bucket` as PutBucketPolicy does; throws S3's MalformedPolicy on the first fault. */
export function assertValidBucketPolicy(text: string, bucket: string): void {
  if (!text.trimStart().startsWith('{')) throw malformed(M.notJson);
  // Measured before parsing, so megabytes of nesting are refused without being parsed.
  if (compactByteLength(text) > MAX_BUCKET_POLICY_BYTES) throw malformed(M.tooLarge);
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    throw malformed(M.invalidJson);
  }
  if (!isObject(doc)) throw malformed(M.notJson);

  for (const name of Object.keys(doc)) if (!POLICY_FIELDS.has(name)) throw malformed(M.unknownField(name));
  if ('Version' in doc && !(typeof doc.Version === 'string' && VERSIONS.has(doc.Version))) throw malformed(M.version);
  if ('Id' in doc && typeof doc.Id !== 'string') throw malformed(M.syntax);
  if (!('Statement' in doc)) throw malformed(M.missingStatement);
  const statements = doc.Statement;
  if (Array.isArray(statements)) {
    if (statements.length === 0) throw malformed(M.emptyStatement);
    for (const s of statements) checkStatement(s, bucket);
  } else checkStatement(statements!, bucket);
}

function checkStatement(s: Json, bucket: string): void {
  if (!isObject(s)) throw malformed(M.syntax);
  for (const name of Object.keys(s)) if (!STATEMENT_FIELDS.has(name)) throw malformed(M.unknownField(name));
  if ('Sid' in s && typeof s.Sid !== 'string') throw malformed(M.syntax);
  // Each element and its Not form are exclusive (IAM: "you cannot use both Action and NotAction in the same statement").
  for (const [a, b] of [['Principal', 'NotPrincipal'], ['Action', 'NotAction'], ['Resource', 'NotResource']] as const) {
    if (a in s && b in s) throw malformed(M.syntax);
  }

  if (!('Effect' in s)) throw malformed(M.missingElement);
  if (typeof s.Effect !== 'string') throw malformed(M.syntax);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed(M.invalidEffect(s.Effect));

  if (!('Principal' in s) && !('NotPrincipal' in s)) throw malformed(M.missingPrincipal);
  checkPrincipal('Principal' in s ? s.Principal! : s.NotPrincipal!);

  if (!('Action' in s) && !('NotAction' in s)) throw malformed(M.missingElement);
  const actions = stringList('Action' in s ? s.Action! : s.NotAction!);
  for (const action of actions) if (!isActionPattern(action)) throw malformed(M.invalidAction);

  if (!('Resource' in s) && !('NotResource' in s)) throw malformed(M.missingElement);
  const resources = stringList('Resource' in s ? s.Resource! : s.NotResource!);
  // A NotResource is only held to being an S3 ARN: whether S3 also ties it to this bucket is not known.
  for (const resource of resources) if (!isS3Arn(resource, 'Resource' in s ? bucket : undefined)) throw malformed(M.invalidResource);

  if ('Action' in s && 'Resource' in s) assertActionsApply(actions, resources);
  if ('Condition' in s) checkCondition(s.Condition!);
}

/** An element that takes a string or a list of strings; the brackets are optional for one value. */
function stringList(v: Json): string[] {
  const items = Array.isArray(v) ? v : [v];
  if (items.length === 0) throw malformed(M.syntax);
  for (const item of items) if (typeof item !== 'string') throw malformed(M.syntax);
  return items as string[];
}

/** `"*"`, or a map of principal types (AWS, Service, CanonicalUser, Federated) to a string or a list of strings. */
function checkPrincipal(p: Json): void {
  if (p === '' || (isObject(p) && Object.keys(p).length === 0)) throw malformed(M.emptyPrincipal);
  if (typeof p === 'string') {
    if (p !== '*') throw malformed(M.syntax);
    return;
  }
  if (!isObject(p)) throw malformed(M.syntax);
  for (const [type, value] of Object.entries(p)) {
    if (!PRINCIPAL_TYPES.has(type)) throw malformed(M.invalidPrincipal);
    const ids = Array.isArray(value) ? value : [value];
    if (ids.length === 0) throw malformed(M.invalidPrincipal);
    for (const id of ids) {
      if (typeof id !== 'string' || id === '') throw malformed(M.invalidPrincipal);
      if (type === 'AWS' && !isAwsPrincipal(id)) throw malformed(M.invalidPrincipal);
    }
  }
}

/**
 * `*`, a 12-digit account ID, or an IAM/STS ARN (CloudFront's origin access identities name `cloudfront` for the
 * account); whether that principal exists is not known here.
 */
const isAwsPrincipal = (id: string): boolean => id === '*' || /^\d{12}$/.test(id) || /^arn:aws:(iam|sts)::[^:]+:.+$/.test(id);

/** `*`, or `s3:` (any case) and a name of letters and digits with `*` and `?` wildcards. */
const isActionPattern = (action: string): boolean => action === '*' || /^s3:[A-Za-z0-9*?]+$/i.test(action);

/**
 * An S3 ARN with a bucket part (before any `/`) that, given `bucket`, can match it; a bucket part holding a policy
 * variable is let through.
 */
function isS3Arn(resource: string, bucket: string | undefined): boolean {
  const prefix = bucketArn('');
  if (!resource.startsWith(prefix)) return false;
  const rest = resource.slice(prefix.length);
  const slash = rest.indexOf('/');
  const bucketPart = slash < 0 ? rest : rest.slice(0, slash);
  if (bucketPart === '') return false;
  return bucket === undefined || bucketPart.includes('${') || globMatches(globTokens(bucketPart, true), bucket);
}

/**
 * Every action the statement names must apply to one of its resources: an object action to a resource that can
 * name an object (a `/` after the bucket, or a `*`, which spans `/`), a bucket action to one without a `/`.
 */
function assertActionsApply(actions: string[], resources: string[]): void {
  const tails = resources.map((r) => r.slice(bucketArn('').length));
  const reachesObject = tails.some((t) => t.includes('/') || t.includes('*'));
  const reachesBucket = tails.some((t) => !t.includes('/'));
  for (const action of actions) {
    const name = action.toLowerCase().replace(/^s3:/, '');
    if ((OBJECT_ACTIONS.has(name) && !reachesObject) || (BUCKET_ACTIONS.has(name) && !reachesBucket)) {
      throw malformed(M.actionNotApplicable);
    }
  }
}

/** `{ operator: { key: value | [values] } }`, a value a string, number or boolean. */
function checkCondition(condition: Json): void {
  if (!isObject(condition)) throw malformed(M.syntax);
  for (const [operator, keys] of Object.entries(condition)) {
    if (!isConditionOperator(operator)) throw malformed(M.conditionType(operator));
    if (!isObject(keys)) throw malformed(M.syntax);
    for (const value of Object.values(keys)) {
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw malformed(M.syntax);
    }
  }
}

/** An operator name: optional `ForAllValues:`/`ForAnyValue:`, the operator, optional `IfExists` (never on `Null`). */
function isConditionOperator(name: string): boolean {
  const { operator, ifExists } = parseConditionOperator(name);
  return CONDITION_OPERATORS.has(operator) && !(ifExists && operator === 'Null');
}

/**
 * UTF-8 bytes of JSON text without the white space between tokens (what S3 calls the normalized document). On text
 * that is not JSON the count is only an estimate, which is all the size check needs.
 */
function compactByteLength(text: string): number {
  let bytes = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!inString && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)) continue;
    if (inString && c === 0x5c) {
      bytes += 2; // an escape and the character it escapes (both ASCII in valid JSON)
      i++;
      continue;
    }
    if (c === 0x22) inString = !inString;
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}
