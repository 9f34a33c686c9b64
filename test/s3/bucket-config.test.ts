import * as S3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { canonicalUserId } from '../../emulator/s3/state';
import { awsCli, CLIENTS, hasCommand, skipBecause } from '../helpers/cli';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';
import { failure, useS3 } from './sdk-helpers';

/**
 * The bucket sub-resources Terraform, CDK and the CLI read on every bucket: defaults of a bucket created today,
 * round trips, deletes and S3's errors, through the official SDK client (and the AWS CLI v1 for the wire shape).
 */

const OWNER_ID = canonicalUserId('000000000000');
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

const { emu, s3 } = useS3();

let n = 0;
async function newBucket(extra: Partial<S3.CreateBucketCommandInput> = {}): Promise<string> {
  const Bucket = `config-bucket-${++n}`;
  await s3().send(new S3.CreateBucketCommand({ Bucket, ...extra }));
  return Bucket;
}

const ownerFull = { Grantee: { Type: 'CanonicalUser', ID: OWNER_ID }, Permission: 'FULL_CONTROL' };

describe('default encryption', () => {
  it('is SSE-S3 on a new bucket and after a delete; a put round-trips; objects report the default', async () => {
    const Bucket = await newBucket();
    // SSE-C writes are blocked in a new bucket (S3's default since April 2026).
    const sseS3 = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }] };
    expect((await s3().send(new S3.GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration).toEqual(sseS3);

    const kms = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: 'arn:aws:kms:us-east-1:000000000000:key/k-1' }, BucketKeyEnabled: true }] };
    await s3().send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: kms }));
    // The rule names no BlockedEncryptionTypes: the bucket's SSE-C block stays.
    expect((await s3().send(new S3.GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration).toEqual({
      Rules: [{ ...kms.Rules[0], BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }],
    });
    const put = await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    expect(put).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:000000000000:key/k-1', BucketKeyEnabled: true });
    const head = await s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:000000000000:key/k-1', BucketKeyEnabled: true });
    // The request's own header wins over the bucket default.
    const explicit = await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'sse-s3', Body: 'x', ServerSideEncryption: 'AES256' }));
    expect([explicit.ServerSideEncryption, explicit.SSEKMSKeyId]).toEqual(['AES256', undefined]);
    const mpu = await s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'mpu' }));
    expect(mpu.ServerSideEncryption).toBe('aws:kms');

    await s3().send(new S3.DeleteBucketEncryptionCommand({ Bucket }));
    expect((await s3().send(new S3.GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration).toEqual(sseS3);
    expect((await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'after', Body: 'x' }))).ServerSideEncryption).toBe('AES256');
    // Written under the KMS default, the first object keeps reporting it.
    expect((await s3().send(new S3.GetObjectCommand({ Bucket, Key: 'k' }))).ServerSideEncryption).toBe('aws:kms');
  });

  it('refuses what S3 refuses', async () => {
    const Bucket = await newBucket();
    const put = (rule: S3.ServerSideEncryptionRule) => s3().send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [rule] } }));
    expect(await failure(put({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES512' as any } }))).toMatchObject({ name: 'MalformedXML', status: 400 });
    expect(await failure(put({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: 'k' } }))).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
    });
    expect(await failure(s3().send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [] } })))).toMatchObject({ name: 'MalformedXML' });
    await put({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } });
    expect(await failure(s3().send(new S3.GetBucketEncryptionCommand({ Bucket: 'no-such-bucket-here' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('Block Public Access and policy status', () => {
  it('blocks everything on a new bucket; put, get, delete', async () => {
    const Bucket = await newBucket();
    const all = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
    expect((await s3().send(new S3.GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration).toEqual(all);
    await s3().send(new S3.PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: false } }));
    expect((await s3().send(new S3.GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    });
    await s3().send(new S3.DeletePublicAccessBlockCommand({ Bucket }));
    expect(await failure(s3().send(new S3.GetPublicAccessBlockCommand({ Bucket })))).toEqual({
      name: 'NoSuchPublicAccessBlockConfiguration',
      status: 404,
      message: 'The public access block configuration was not found',
    });
  });

  it('GetBucketPolicyStatus: 404 without a policy; public only for an unconditional wildcard Allow', async () => {
    const Bucket = await newBucket();
    expect(await failure(s3().send(new S3.GetBucketPolicyStatusCommand({ Bucket })))).toMatchObject({ name: 'NoSuchBucketPolicy', status: 404 });
    const statement = { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` };
    const status = async (s: Record<string, unknown>) => {
      await s3().send(new S3.PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, ...s }] }) }));
      return (await s3().send(new S3.GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic;
    };
    expect(await status({ Principal: '*' })).toBe(true);
    expect(await status({ Principal: { AWS: '*' } })).toBe(true);
    expect(await status({ Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })).toBe(false);
    expect(await status({ Principal: { AWS: 'arn:aws:iam::111111111111:root' } })).toBe(false);
    expect(await status({ Principal: '*', Effect: 'Deny' })).toBe(false);
  });
});

describe('Object Ownership', () => {
  it('is BucketOwnerEnforced on a new bucket, set by CreateBucket, put, deleted', async () => {
    const Bucket = await newBucket();
    const rules = async (b: string) => (await s3().send(new S3.GetBucketOwnershipControlsCommand({ Bucket: b }))).OwnershipControls?.Rules;
    expect(await rules(Bucket)).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect(await rules(await newBucket({ ObjectOwnership: 'ObjectWriter' }))).toEqual([{ ObjectOwnership: 'ObjectWriter' }]);
    await s3().send(new S3.PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }));
    expect(await rules(Bucket)).toEqual([{ ObjectOwnership: 'BucketOwnerPreferred' }]);
    await s3().send(new S3.DeleteBucketOwnershipControlsCommand({ Bucket }));
    expect(await failure(s3().send(new S3.GetBucketOwnershipControlsCommand({ Bucket })))).toEqual({
      name: 'OwnershipControlsNotFoundError',
      status: 404,
      message: 'The bucket ownership controls were not found',
    });
    expect(await failure(s3().send(new S3.PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'Nobody' as any }] } })))).toMatchObject({
      name: 'MalformedXML',
      status: 400,
    });
  });
});

describe('ACLs', () => {
  it('ACLs disabled (BucketOwnerEnforced): reads answer the owner, only owner-full-control is accepted', async () => {
    const Bucket = await newBucket();
    expect(await s3().send(new S3.GetBucketAclCommand({ Bucket }))).toMatchObject({ Owner: { ID: OWNER_ID }, Grants: [ownerFull] });
    const notSupported = { name: 'AccessControlListNotSupported', status: 400, message: 'The bucket does not allow ACLs' };
    expect(await failure(s3().send(new S3.PutBucketAclCommand({ Bucket, ACL: 'public-read' })))).toEqual(notSupported);
    await s3().send(new S3.PutBucketAclCommand({ Bucket, ACL: 'private' }));
    expect(await failure(s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'public-read' })))).toEqual(notSupported);
    expect(await failure(s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', GrantRead: `uri="${ALL_USERS}"` })))).toEqual(notSupported);
    await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'bucket-owner-full-control' }));
    expect(await s3().send(new S3.GetObjectAclCommand({ Bucket, Key: 'k' }))).toMatchObject({ Owner: { ID: OWNER_ID }, Grants: [ownerFull] });
    expect(await failure(s3().send(new S3.PutObjectAclCommand({ Bucket, Key: 'k', ACL: 'authenticated-read' })))).toEqual(notSupported);
    expect(await failure(s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'm', ACL: 'public-read' })))).toEqual(notSupported);
    expect(await failure(s3().send(new S3.CopyObjectCommand({ Bucket, Key: 'c', CopySource: `${Bucket}/k`, ACL: 'public-read' })))).toEqual(notSupported);
    expect(await failure(s3().send(new S3.CreateBucketCommand({ Bucket: 'config-acl-refused', ACL: 'public-read' })))).toEqual({
      name: 'InvalidBucketAclWithObjectOwnership',
      status: 400,
      message: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    });
    await s3().send(new S3.CreateBucketCommand({ Bucket: 'config-acl-private', ACL: 'private' }));
  });

  it('ACLs enabled: canned and explicit ACLs are stored and reported, on buckets and object versions', async () => {
    const Bucket = await newBucket({ ObjectOwnership: 'ObjectWriter' });
    // New buckets block public ACLs until Block Public Access is lifted.
    expect(await failure(s3().send(new S3.PutBucketAclCommand({ Bucket, ACL: 'public-read' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(await failure(s3().send(new S3.CreateBucketCommand({ Bucket: 'config-public-refused', ACL: 'public-read', ObjectOwnership: 'ObjectWriter' })))).toMatchObject({
      name: 'InvalidBucketAclWithBlockPublicAccessError',
      status: 400,
    });
    await s3().send(new S3.DeletePublicAccessBlockCommand({ Bucket }));

    await s3().send(new S3.PutBucketAclCommand({ Bucket, ACL: 'public-read-write' }));
    expect((await s3().send(new S3.GetBucketAclCommand({ Bucket }))).Grants).toEqual([
      ownerFull,
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' },
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'WRITE' },
    ]);
    const other = canonicalUserId('111111111111');
    await s3().send(
      new S3.PutBucketAclCommand({
        Bucket,
        AccessControlPolicy: { Owner: { ID: OWNER_ID }, Grants: [ownerFull as S3.Grant, { Grantee: { Type: 'CanonicalUser', ID: other }, Permission: 'READ_ACP' }] },
      }),
    );
    expect((await s3().send(new S3.GetBucketAclCommand({ Bucket }))).Grants).toEqual([ownerFull, { Grantee: { Type: 'CanonicalUser', ID: other }, Permission: 'READ_ACP' }]);
    // Switching ACLs off is refused while the bucket ACL grants anyone else anything.
    expect(
      await failure(s3().send(new S3.PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }))),
    ).toMatchObject({ name: 'InvalidBucketAclWithObjectOwnership', status: 400 });

    await s3().send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = (await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'doc', Body: 'one', ACL: 'authenticated-read' }))).VersionId!;
    const v2 = (await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'doc', Body: 'two' }))).VersionId!;
    expect((await s3().send(new S3.GetObjectAclCommand({ Bucket, Key: 'doc' }))).Grants).toEqual([ownerFull]);
    expect((await s3().send(new S3.GetObjectAclCommand({ Bucket, Key: 'doc', VersionId: v1 }))).Grants).toEqual([
      ownerFull,
      { Grantee: { Type: 'Group', URI: AUTH_USERS }, Permission: 'READ' },
    ]);
    await s3().send(new S3.PutObjectAclCommand({ Bucket, Key: 'doc', VersionId: v2, GrantRead: `uri="${ALL_USERS}"`, GrantFullControl: `id="${OWNER_ID}"` }));
    expect((await s3().send(new S3.GetObjectAclCommand({ Bucket, Key: 'doc', VersionId: v2 }))).Grants).toEqual([
      ownerFull,
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' },
    ]);
    const copied = await s3().send(new S3.CopyObjectCommand({ Bucket, Key: 'copy', CopySource: `${Bucket}/doc`, ACL: 'aws-exec-read' }));
    expect(copied.VersionId).toBeDefined();
    expect((await s3().send(new S3.GetObjectAclCommand({ Bucket, Key: 'copy' }))).Grants).toHaveLength(2);
    const mpu = await s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'big', ACL: 'public-read' }));
    const part = await s3().send(new S3.UploadPartCommand({ Bucket, Key: 'big', UploadId: mpu.UploadId, PartNumber: 1, Body: 'p' }));
    await s3().send(new S3.CompleteMultipartUploadCommand({ Bucket, Key: 'big', UploadId: mpu.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect((await s3().send(new S3.GetObjectAclCommand({ Bucket, Key: 'big' }))).Grants).toEqual([ownerFull, { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' }]);

    expect(await failure(s3().send(new S3.PutBucketAclCommand({ Bucket, ACL: 'private', GrantRead: `uri="${ALL_USERS}"` })))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
    });
    expect(await failure(s3().send(new S3.GetObjectAclCommand({ Bucket, Key: 'missing' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(s3().send(new S3.GetBucketAclCommand({ Bucket: 'no-such-bucket-here' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('website, logging, acceleration, request payment', () => {
  it('website: 404 until put, round trip, delete', async () => {
    const Bucket = await newBucket();
    const missing = { name: 'NoSuchWebsiteConfiguration', status: 404, message: 'The specified bucket does not have a website configuration' };
    expect(await failure(s3().send(new S3.GetBucketWebsiteCommand({ Bucket })))).toEqual(missing);
    const WebsiteConfiguration = { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } };
    await s3().send(new S3.PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration }));
    expect(await s3().send(new S3.GetBucketWebsiteCommand({ Bucket }))).toMatchObject(WebsiteConfiguration);
    await s3().send(new S3.DeleteBucketWebsiteCommand({ Bucket }));
    expect(await failure(s3().send(new S3.GetBucketWebsiteCommand({ Bucket })))).toEqual(missing);
  });

  it('logging: empty on a new bucket; the target must exist; disabled by an empty status', async () => {
    const Bucket = await newBucket();
    const target = await newBucket();
    expect((await s3().send(new S3.GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toBeUndefined();
    expect(await failure(s3().send(new S3.PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'no-such-target', TargetPrefix: 'l/' } } })))).toEqual({
      name: 'InvalidTargetBucketForLogging',
      status: 400,
      message: 'The target bucket for logging does not exist',
    });
    await s3().send(new S3.PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'logs/' } } }));
    expect((await s3().send(new S3.GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toEqual({ TargetBucket: target, TargetPrefix: 'logs/' });
    await s3().send(new S3.PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: {} }));
    expect((await s3().send(new S3.GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toBeUndefined();
  });

  it('acceleration: no status on a new bucket; Enabled/Suspended; refused for dotted names', async () => {
    const Bucket = await newBucket();
    expect((await s3().send(new S3.GetBucketAccelerateConfigurationCommand({ Bucket }))).Status).toBeUndefined();
    await s3().send(new S3.PutBucketAccelerateConfigurationCommand({ Bucket, AccelerateConfiguration: { Status: 'Enabled' } }));
    expect((await s3().send(new S3.GetBucketAccelerateConfigurationCommand({ Bucket }))).Status).toBe('Enabled');
    await s3().send(new S3.PutBucketAccelerateConfigurationCommand({ Bucket, AccelerateConfiguration: { Status: 'Suspended' } }));
    expect((await s3().send(new S3.GetBucketAccelerateConfigurationCommand({ Bucket }))).Status).toBe('Suspended');
    await s3().send(new S3.CreateBucketCommand({ Bucket: 'config.dotted' }));
    expect(await failure(s3().send(new S3.PutBucketAccelerateConfigurationCommand({ Bucket: 'config.dotted', AccelerateConfiguration: { Status: 'Enabled' } })))).toEqual({
      name: 'InvalidRequest',
      status: 400,
      message: 'S3 Transfer Acceleration is not supported for buckets with periods (.) in their names',
    });
  });

  it('request payment: BucketOwner by default, Requester round trip', async () => {
    const Bucket = await newBucket();
    expect((await s3().send(new S3.GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe('BucketOwner');
    await s3().send(new S3.PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: 'Requester' } }));
    expect((await s3().send(new S3.GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe('Requester');
    expect(await failure(s3().send(new S3.PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: 'Someone' as any } })))).toMatchObject({
      name: 'MalformedXML',
    });
  });
});

describe('replication and Object Lock', () => {
  const replication = (dest: string): S3.ReplicationConfiguration => ({
    Role: 'arn:aws:iam::000000000000:role/replication',
    Rules: [{ ID: 'all', Priority: 1, Status: 'Enabled', Filter: {}, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: `arn:aws:s3:::${dest}` } }],
  });

  it('replication: 404 until put; needs versioning Enabled; round trip; delete', async () => {
    const Bucket = await newBucket();
    const missing = { name: 'ReplicationConfigurationNotFoundError', status: 404, message: 'The replication configuration was not found' };
    expect(await failure(s3().send(new S3.GetBucketReplicationCommand({ Bucket })))).toEqual(missing);
    expect(await failure(s3().send(new S3.PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: replication('dest') })))).toEqual({
      name: 'InvalidRequest',
      status: 400,
      message: "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
    });
    await s3().send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3().send(new S3.PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: replication('dest') }));
    expect((await s3().send(new S3.GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration).toEqual(replication('dest'));
    expect(await failure(s3().send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } })))).toMatchObject({
      name: 'InvalidBucketState',
      status: 409,
    });
    await s3().send(new S3.DeleteBucketReplicationCommand({ Bucket }));
    expect(await failure(s3().send(new S3.GetBucketReplicationCommand({ Bucket })))).toEqual(missing);
  });

  it('Object Lock: 404 unless enabled (at creation, with versioning, or later on a versioned bucket); default retention round trip', async () => {
    const plain = await newBucket();
    expect(await failure(s3().send(new S3.GetObjectLockConfigurationCommand({ Bucket: plain })))).toEqual({
      name: 'ObjectLockConfigurationNotFoundError',
      status: 404,
      message: 'Object Lock configuration does not exist for this bucket',
    });
    expect(await failure(s3().send(new S3.PutObjectLockConfigurationCommand({ Bucket: plain, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } })))).toEqual({
      name: 'InvalidBucketState',
      status: 409,
      message: "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
    });
    // An existing bucket can take Object Lock once versioning is Enabled.
    await s3().send(new S3.PutBucketVersioningCommand({ Bucket: plain, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3().send(new S3.PutObjectLockConfigurationCommand({ Bucket: plain, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
    expect((await s3().send(new S3.GetObjectLockConfigurationCommand({ Bucket: plain }))).ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });

    const Bucket = await newBucket({ ObjectLockEnabledForBucket: true });
    expect((await s3().send(new S3.GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    expect((await s3().send(new S3.GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    const withRule = { ObjectLockEnabled: 'Enabled' as const, Rule: { DefaultRetention: { Mode: 'GOVERNANCE' as const, Days: 7 } } };
    await s3().send(new S3.PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: withRule }));
    expect((await s3().send(new S3.GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration).toEqual(withRule);
    expect(
      await failure(s3().send(new S3.PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1, Years: 1 } } } }))),
    ).toMatchObject({ name: 'MalformedXML', status: 400 });
    expect(await failure(s3().send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } })))).toMatchObject({
      name: 'InvalidBucketState',
      status: 409,
    });
  });
});

describe('settings survive a restart with dataDir', () => {
  const { emulator, restart } = usePersistentEmulator('bucket-config');

  it('keeps encryption, a deleted Block Public Access, ownership, bucket and object ACLs, website, logging, lock', async () => {
    let c = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true });
    const Bucket = 'kept-settings';
    await c.send(new S3.CreateBucketCommand({ Bucket, ObjectOwnership: 'ObjectWriter', ObjectLockEnabledForBucket: true }));
    await c.send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }));
    await c.send(new S3.DeletePublicAccessBlockCommand({ Bucket }));
    await c.send(new S3.PutBucketAclCommand({ Bucket, ACL: 'public-read' }));
    await c.send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'authenticated-read' }));
    await c.send(new S3.PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
    await c.send(new S3.PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: Bucket, TargetPrefix: 'logs/' } } }));
    await c.send(new S3.PutBucketMetricsConfigurationCommand({ Bucket, Id: 'all', MetricsConfiguration: { Id: 'all' } }));
    // An upload in progress keeps the encryption, ACL and lock it was created with.
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'mpu', ACL: 'public-read', ObjectLockLegalHoldStatus: 'ON' }));
    const part = await c.send(new S3.UploadPartCommand({ Bucket, Key: 'mpu', UploadId, PartNumber: 1, Body: 'x' }));
    c.destroy();

    c = new S3Client({ ...clientConfig(await restart()), forcePathStyle: true });
    expect((await c.send(new S3.GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('aws:kms');
    expect(await failure(c.send(new S3.GetPublicAccessBlockCommand({ Bucket })))).toMatchObject({ name: 'NoSuchPublicAccessBlockConfiguration' });
    expect((await c.send(new S3.GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'ObjectWriter' }]);
    expect((await c.send(new S3.GetBucketAclCommand({ Bucket }))).Grants?.map((g) => g.Grantee?.URI ?? 'owner')).toEqual(['owner', ALL_USERS]);
    expect((await c.send(new S3.GetObjectAclCommand({ Bucket, Key: 'k' }))).Grants?.map((g) => g.Grantee?.URI ?? 'owner')).toEqual(['owner', AUTH_USERS]);
    expect((await c.send(new S3.HeadObjectCommand({ Bucket, Key: 'k' }))).ServerSideEncryption).toBe('aws:kms');
    expect((await c.send(new S3.GetBucketWebsiteCommand({ Bucket }))).IndexDocument).toEqual({ Suffix: 'index.html' });
    expect((await c.send(new S3.GetBucketLoggingCommand({ Bucket }))).LoggingEnabled?.TargetPrefix).toBe('logs/');
    expect((await c.send(new S3.GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect((await c.send(new S3.GetBucketMetricsConfigurationCommand({ Bucket, Id: 'all' }))).MetricsConfiguration).toEqual({ Id: 'all' });
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket, Key: 'mpu', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(await c.send(new S3.HeadObjectCommand({ Bucket, Key: 'mpu' }))).toMatchObject({ ServerSideEncryption: 'aws:kms', ObjectLockLegalHoldStatus: 'ON' });
    expect((await c.send(new S3.GetObjectAclCommand({ Bucket, Key: 'mpu' }))).Grants?.map((g) => g.Grantee?.URI ?? 'owner')).toEqual(['owner', ALL_USERS]);
    c.destroy();
  });
});

describe('through the AWS CLI v1', () => {
  it('reads a new bucket’s ACL, encryption and Block Public Access', async () => {
    if (!(await hasCommand(CLIENTS.awsCliV1))) return skipBecause('the AWS CLI v1 (aws) is not on PATH');
    const Bucket = await newBucket();
    const cli = async (...args: string[]) => JSON.parse(await awsCli(CLIENTS.awsCliV1, emu().endpoint, ['s3api', ...args, '--bucket', Bucket]));
    expect(await cli('get-bucket-acl')).toEqual({ Owner: { ID: OWNER_ID }, Grants: [{ Grantee: { ID: OWNER_ID, Type: 'CanonicalUser' }, Permission: 'FULL_CONTROL' }] });
    expect(await cli('get-bucket-encryption')).toEqual({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }],
      },
    });
    expect(await cli('get-public-access-block')).toEqual({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });
  });
});
