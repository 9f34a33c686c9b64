import * as S3 from '@aws-sdk/client-s3';
import { failure, useS3 } from './sdk-helpers';

/**
 * PutBucketPolicy checks a policy's grammar as S3 does, through the official SDK client: what S3 accepts is stored
 * and read back byte for byte; what it refuses is 400 MalformedPolicy with S3's message, and the bucket keeps the
 * policy it had.
 */

const { s3 } = useS3();
const Bucket = 'policy-grammar';
const OBJECTS = `arn:aws:s3:::${Bucket}/*`;
const BUCKET = `arn:aws:s3:::${Bucket}`;

type Doc = Record<string, unknown>;
const statement = (extra: Doc = {}): Doc => ({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: OBJECTS, ...extra });
const without = (name: string, s: Doc = statement()): Doc => Object.fromEntries(Object.entries(s).filter(([k]) => k !== name));
const policy = (...statements: Doc[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const put = (Policy: string) => s3().send(new S3.PutBucketPolicyCommand({ Bucket, Policy }));
const stored = async () => (await s3().send(new S3.GetBucketPolicyCommand({ Bucket }))).Policy;
const refused = (message: string) => ({ name: 'MalformedPolicy', status: 400, message });

beforeAll(async () => {
  await s3().send(new S3.CreateBucketCommand({ Bucket }));
});

describe('accepted as S3 accepts them, and read back unchanged', () => {
  // Each valid policy beside a near miss S3 refuses, so the pair shows the line is drawn where S3 draws it.
  const pairs: Array<[string, string, string, string]> = [
    ['no Version, one Statement object', JSON.stringify({ Statement: statement() }), JSON.stringify({ Statement: [] }), 'Could not parse the policy: Statement is empty!'],
    ['Version 2008-10-17 and an Id', JSON.stringify({ Version: '2008-10-17', Id: 'p-1', Statement: [statement()] }), JSON.stringify({ Version: '2008-10-18', Statement: [statement()] }), 'The policy must contain a valid version string'],
    ['account, IAM ARN and CloudFront identity principals', policy(statement({ Principal: { AWS: ['111122223333', 'arn:aws:iam::111122223333:role/reader', 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL'] } })), policy(statement({ Principal: { AWS: 'AIDAJQABLZS4A3QDU576Q' } })), 'Invalid principal in policy'],
    ['Service and CanonicalUser principals', policy(statement({ Principal: { Service: 'cloudtrail.amazonaws.com', CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' } })), policy(statement({ Principal: { Group: 'everyone' } })), 'Invalid principal in policy'],
    ['NotPrincipal, NotAction and NotResource on a Deny', policy({ Effect: 'Deny', NotPrincipal: { AWS: '111122223333' }, NotAction: ['s3:Get*', 'S3:List*'], NotResource: `${OBJECTS}/public/*` }), policy({ Effect: 'Deny', Principal: '*', NotPrincipal: { AWS: '111122223333' }, Action: 's3:*', Resource: OBJECTS }), 'Invalid policy syntax.'],
    ['"*" action on the bucket and its objects, a wildcard bucket ARN', policy(statement({ Action: '*', Resource: [BUCKET, OBJECTS, 'arn:aws:s3:::policy-*'] })), policy(statement({ Action: '*', Resource: 'arn:aws:s3:::other-bucket/*' })), 'Policy has invalid resource'],
    ['bucket actions on the bucket, object actions on its objects', policy(statement({ Action: ['s3:ListBucket', 's3:GetObject'], Resource: [BUCKET, OBJECTS] })), policy(statement({ Action: ['s3:ListBucket', 's3:GetObject'], Resource: BUCKET })), 'Action does not apply to any resource(s) in statement'],
    ['a policy variable in the resource', policy(statement({ Resource: `${OBJECTS}/home/\${aws:username}/*` })), policy(statement({ Resource: `${Bucket}/*` })), 'Policy has invalid resource'],
    [
      'conditions with set operators, IfExists, numbers, booleans and lists',
      policy(statement({ Condition: { 'ForAnyValue:StringLikeIfExists': { 's3:prefix': ['home/', 'public/*'] }, NumericLessThan: { 's3:max-keys': 10 }, Bool: { 'aws:SecureTransport': false }, Null: { 'aws:username': 'true' } } })),
      policy(statement({ Condition: { StringLikeIgnoreCase: { 's3:prefix': 'home/' } } })),
      'Invalid Condition type : StringLikeIgnoreCase',
    ],
  ];

  it.each(pairs)('%s', async (_name, valid, nearMiss, message) => {
    await put(valid);
    expect(await stored()).toBe(valid);
    expect(await failure(put(nearMiss))).toEqual(refused(message));
    expect(await stored()).toBe(valid);
  });

  it('white space does not count towards the 20 KB limit; the compact document does', async () => {
    const resources = (n: number) => Array.from({ length: n }, (_, i) => `${OBJECTS.slice(0, -1)}prefix-${String(i).padStart(4, '0')}/*`);
    const compact = (n: number) => policy(statement({ Resource: resources(n) }));
    // Find the largest list of resources that still fits, so the limit is tested at its edge.
    let n = 1;
    while (Buffer.byteLength(compact(n + 1)) <= 20_480) n++;
    expect(Buffer.byteLength(compact(n))).toBeLessThanOrEqual(20_480);
    const padded = JSON.stringify(JSON.parse(compact(n)), null, 8);
    expect(Buffer.byteLength(padded)).toBeGreaterThan(20_480);
    await put(padded);
    expect(await stored()).toBe(padded);
    expect(await failure(put(compact(n + 1)))).toEqual(refused('Normalized policy document exceeds the maximum allowed size of 20480 bytes'));
    expect(await stored()).toBe(padded);
  });
});

describe('refused with S3 MalformedPolicy messages', () => {
  const cases: Array<[string, string, string]> = [
    ['JSON cut short', '{"Version":"2012-10-17","Statement":[', 'This policy contains invalid Json'],
    ['an unknown top-level field', JSON.stringify({ Statement: [statement()], Owner: 'me' }), 'Unknown field Owner'],
    ['a Version that is not a string', JSON.stringify({ Version: 2012, Statement: [statement()] }), 'The policy must contain a valid version string'],
    ['an Id that is not a string', JSON.stringify({ Id: ['a'], Statement: [statement()] }), 'Invalid policy syntax.'],
    ['Statement a string', JSON.stringify({ Statement: 'allow all' }), 'Invalid policy syntax.'],
    ['a statement that is not an object', JSON.stringify({ Statement: [statement(), 7] }), 'Invalid policy syntax.'],
    ['a field written in lower case', policy(statement({ condition: { Bool: { 'aws:SecureTransport': 'true' } } })), 'Unknown field condition'],
    ['a Sid that is not a string', policy(statement({ Sid: 12 })), 'Invalid policy syntax.'],
    ['Action and NotAction together', policy(statement({ NotAction: 's3:PutObject' })), 'Invalid policy syntax.'],
    ['no Effect', policy(without('Effect')), 'Statement is missing required element'],
    ['Effect in the wrong case', policy(statement({ Effect: 'allow' })), 'Invalid effect: allow'],
    ['Effect not a string', policy(statement({ Effect: true })), 'Invalid policy syntax.'],
    ['no Principal', policy(without('Principal')), 'Missing required field Principal'],
    ['an empty Principal', policy(statement({ Principal: '' })), 'Missing required field Principal cannot be empty!'],
    ['a Principal string other than "*"', policy(statement({ Principal: 'arn:aws:iam::111122223333:root' })), 'Invalid policy syntax.'],
    ['a Principal list with nothing in it', policy(statement({ Principal: { AWS: [] } })), 'Invalid principal in policy'],
    ['a Principal value nested in a list', policy(statement({ Principal: { AWS: [['*']] } })), 'Invalid principal in policy'],
    ['no Action', policy(without('Action')), 'Statement is missing required element'],
    ['Action null', policy(statement({ Action: null })), 'Invalid policy syntax.'],
    ['Action an empty list', policy(statement({ Action: [] })), 'Invalid policy syntax.'],
    ['Action a number', policy(statement({ Action: ['s3:GetObject', 3] })), 'Invalid policy syntax.'],
    ['an action without its service', policy(statement({ Action: 'GetObject' })), 'Policy has invalid action'],
    ['another service action', policy(statement({ Action: 'sqs:SendMessage' })), 'Policy has invalid action'],
    ['no Resource', policy(without('Resource')), 'Statement is missing required element'],
    ['Resource "*"', policy(statement({ Resource: ['*'] })), 'Policy has invalid resource'],
    ['another bucket', policy(statement({ Resource: [OBJECTS, 'arn:aws:s3:::another-bucket/*'] })), 'Policy has invalid resource'],
    ['an ARN without a bucket', policy(statement({ Resource: 'arn:aws:s3:::/key' })), 'Policy has invalid resource'],
    ['Resource an object', policy(statement({ Resource: { Bucket } })), 'Invalid policy syntax.'],
    ['an object action on the bucket ARN', policy(statement({ Action: 's3:PutObject', Resource: BUCKET })), 'Action does not apply to any resource(s) in statement'],
    ['a bucket action on object ARNs only', policy(statement({ Action: 's3:ListBucket', Resource: OBJECTS })), 'Action does not apply to any resource(s) in statement'],
    ['Condition a string', policy(statement({ Condition: 'secure' })), 'Invalid policy syntax.'],
    ['an operator in the wrong case', policy(statement({ Condition: { stringEquals: { 'aws:username': 'a' } } })), 'Invalid Condition type : stringEquals'],
    ['Null with IfExists', policy(statement({ Condition: { NullIfExists: { 'aws:username': 'true' } } })), 'Invalid Condition type : NullIfExists'],
    ['an operator naming no keys map', policy(statement({ Condition: { StringEquals: 'a' } })), 'Invalid policy syntax.'],
    ['a condition value that is an object', policy(statement({ Condition: { StringEquals: { 'aws:username': { name: 'a' } } } })), 'Invalid policy syntax.'],
    ['a condition value list holding a list', policy(statement({ Condition: { StringEquals: { 'aws:username': ['a', ['b']] } } })), 'Invalid policy syntax.'],
    ['a null condition value', policy(statement({ Condition: { StringEquals: { 'aws:username': null } } })), 'Invalid policy syntax.'],
  ];

  it.each(cases)('%s', async (_name, text, message) => {
    expect(await failure(put(text))).toEqual(refused(message));
  });

  it('a condition value nested thousands of levels deep is refused and the previous policy stays', async () => {
    const previous = policy(statement({ Sid: 'kept' }));
    await put(previous);
    const deep = '['.repeat(5000) + '"x"' + ']'.repeat(5000);
    const text = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"${OBJECTS}","Condition":{"StringEquals":{"aws:username":${deep}}}}]}`;
    expect(await failure(put(text))).toEqual(refused('Invalid policy syntax.'));
    expect(await stored()).toBe(previous);
    // Objects in objects, as deep as fits under the size limit.
    const objects = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
    expect(await failure(put(text.replace(deep, objects)))).toEqual(refused('Invalid policy syntax.'));
    expect(await stored()).toBe(previous);
  });
});
