import { copyOf } from '../core/clone';
import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { randomHex } from '../core/ids';
import { bucketAclIsCustom } from './acl';
import { encryptionRules, validEncryptionRule } from './encryption';
import { invalidArgument, malformedXml } from './errors';
import { isPublicPolicy } from './public-access';
import { getBucket, type Out, type S3State } from './state';
import type { Bucket } from './store';

/**
 * The bucket sub-resources every bucket has and tools read on every bucket (Terraform's aws_s3_bucket, CDK, the
 * CLI): default encryption, Block Public Access and policy status, Object Ownership, website, logging, transfer
 * acceleration, request payment, replication and Object Lock. Defaults are those of a bucket created today.
 * They are stored and reported; what they would make S3 do in the background is not emulated (see each method).
 */

const OWNERSHIPS = new Set(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);

export function assertObjectOwnership(value: string): void {
  if (!OWNERSHIPS.has(value)) throw invalidArgument(`Invalid x-amz-object-ownership header: ${value}`, 'x-amz-object-ownership', value);
}

const notFound = (code: string, message: string, bucket: Bucket): AwsError => new AwsError(code, message, 404, { BucketName: bucket.name });

export function bucketSettingsOperations(state: S3State) {
  const bucketOf = (input: { Bucket?: string }) => getBucket(state, input.Bucket);

  return {
    // ---- Default encryption ----
    async PutBucketEncryption(input: S3.PutBucketEncryptionCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketEncryptionCommandOutput>> {
      const bucket = bucketOf(input);
      const rules = input.ServerSideEncryptionConfiguration?.Rules;
      if (!rules || rules.length !== 1) throw malformedXml();
      // A rule that does not name BlockedEncryptionTypes leaves the bucket's block as it was (S3 keeps reporting it).
      const blocked = encryptionRules(bucket)[0]?.BlockedEncryptionTypes;
      bucket.encryption = rules.map((r) => {
        const rule = validEncryptionRule(r);
        return rule.BlockedEncryptionTypes || !blocked ? rule : { ...rule, BlockedEncryptionTypes: copyOf(blocked) };
      });
      return {};
    },

    async GetBucketEncryption(input: S3.GetBucketEncryptionCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketEncryptionCommandOutput>> {
      return { ServerSideEncryptionConfiguration: { Rules: copyOf(encryptionRules(bucketOf(input))) } };
    },

    /** Back to the SSE-S3 default (a bucket cannot be unencrypted). */
    async DeleteBucketEncryption(input: S3.DeleteBucketEncryptionCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeleteBucketEncryptionCommandOutput>> {
      bucketOf(input).encryption = undefined;
      return {};
    },

    // ---- Block Public Access ----
    async PutPublicAccessBlock(input: S3.PutPublicAccessBlockCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutPublicAccessBlockCommandOutput>> {
      const bucket = bucketOf(input);
      const c = input.PublicAccessBlockConfiguration;
      if (!c) throw malformedXml();
      // A flag left out is false.
      bucket.publicAccessBlock = {
        BlockPublicAcls: c.BlockPublicAcls ?? false,
        IgnorePublicAcls: c.IgnorePublicAcls ?? false,
        BlockPublicPolicy: c.BlockPublicPolicy ?? false,
        RestrictPublicBuckets: c.RestrictPublicBuckets ?? false,
      };
      return {};
    },

    async GetPublicAccessBlock(input: S3.GetPublicAccessBlockCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetPublicAccessBlockCommandOutput>> {
      const bucket = bucketOf(input);
      if (!bucket.publicAccessBlock) {
        throw notFound('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', bucket);
      }
      return { PublicAccessBlockConfiguration: { ...bucket.publicAccessBlock } };
    },

    async DeletePublicAccessBlock(input: S3.DeletePublicAccessBlockCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeletePublicAccessBlockCommandOutput>> {
      bucketOf(input).publicAccessBlock = null;
      return {};
    },

    async GetBucketPolicyStatus(input: S3.GetBucketPolicyStatusCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketPolicyStatusCommandOutput>> {
      const bucket = bucketOf(input);
      if (bucket.policy === undefined) throw notFound('NoSuchBucketPolicy', 'The bucket policy does not exist', bucket);
      return { PolicyStatus: { IsPublic: isPublicPolicy(bucket.policy) } };
    },

    // ---- Object Ownership ----
    async PutBucketOwnershipControls(input: S3.PutBucketOwnershipControlsCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketOwnershipControlsCommandOutput>> {
      const bucket = bucketOf(input);
      const rules = input.OwnershipControls?.Rules;
      if (!rules || rules.length !== 1 || !OWNERSHIPS.has(rules[0]!.ObjectOwnership ?? '')) throw malformedXml();
      const ownership = rules[0]!.ObjectOwnership!;
      if (ownership === 'BucketOwnerEnforced' && bucketAclIsCustom(bucket)) {
        throw new AwsError('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", 400);
      }
      bucket.ownership = ownership;
      return {};
    },

    async GetBucketOwnershipControls(input: S3.GetBucketOwnershipControlsCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketOwnershipControlsCommandOutput>> {
      const bucket = bucketOf(input);
      if (!bucket.ownership) throw notFound('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', bucket);
      return { OwnershipControls: { Rules: [{ ObjectOwnership: bucket.ownership }] } };
    },

    /** Without ownership controls S3 behaves as ObjectWriter (ACLs enabled). */
    async DeleteBucketOwnershipControls(input: S3.DeleteBucketOwnershipControlsCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeleteBucketOwnershipControlsCommandOutput>> {
      bucketOf(input).ownership = null;
      return {};
    },

    // ---- Static website hosting (stored and reported; the website endpoint is not served) ----
    async PutBucketWebsite(input: S3.PutBucketWebsiteCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketWebsiteCommandOutput>> {
      const bucket = bucketOf(input);
      const c = input.WebsiteConfiguration;
      if (!c) throw malformedXml();
      if (!c.RedirectAllRequestsTo && !c.IndexDocument?.Suffix) {
        throw new AwsError('InvalidArgument', 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty', 400);
      }
      bucket.website = copyOf(c);
      return {};
    },

    async GetBucketWebsite(input: S3.GetBucketWebsiteCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketWebsiteCommandOutput>> {
      const bucket = bucketOf(input);
      if (!bucket.website) throw notFound('NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration', bucket);
      return copyOf(bucket.website) as Out<S3.GetBucketWebsiteCommandOutput>;
    },

    async DeleteBucketWebsite(input: S3.DeleteBucketWebsiteCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeleteBucketWebsiteCommandOutput>> {
      bucketOf(input).website = undefined;
      return {};
    },

    // ---- Server access logging (stored and reported; no log objects are ever delivered) ----
    async PutBucketLogging(input: S3.PutBucketLoggingCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketLoggingCommandOutput>> {
      const bucket = bucketOf(input);
      const status = input.BucketLoggingStatus;
      if (!status) throw malformedXml();
      const enabled = status.LoggingEnabled;
      if (!enabled) {
        bucket.logging = undefined;
        return {};
      }
      if (!enabled.TargetBucket) throw malformedXml();
      if (!state.buckets.has(enabled.TargetBucket)) {
        throw new AwsError('InvalidTargetBucketForLogging', 'The target bucket for logging does not exist', 400, { TargetBucket: enabled.TargetBucket });
      }
      bucket.logging = copyOf({ ...enabled, TargetPrefix: enabled.TargetPrefix ?? '' });
      return {};
    },

    async GetBucketLogging(input: S3.GetBucketLoggingCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketLoggingCommandOutput>> {
      const bucket = bucketOf(input);
      return bucket.logging ? { LoggingEnabled: copyOf(bucket.logging) } : {};
    },

    // ---- Transfer Acceleration (stored and reported; there is no accelerate endpoint) ----
    async PutBucketAccelerateConfiguration(input: S3.PutBucketAccelerateConfigurationCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketAccelerateConfigurationCommandOutput>> {
      const bucket = bucketOf(input);
      const status = input.AccelerateConfiguration?.Status;
      if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
      if (bucket.name.includes('.')) {
        throw new AwsError('InvalidRequest', 'S3 Transfer Acceleration is not supported for buckets with periods (.) in their names', 400);
      }
      bucket.accelerate = status;
      return {};
    },

    async GetBucketAccelerateConfiguration(input: S3.GetBucketAccelerateConfigurationCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketAccelerateConfigurationCommandOutput>> {
      const bucket = bucketOf(input);
      return bucket.accelerate ? { Status: bucket.accelerate } : {};
    },

    // ---- Requester Pays (stored and reported; nobody is billed) ----
    async PutBucketRequestPayment(input: S3.PutBucketRequestPaymentCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketRequestPaymentCommandOutput>> {
      const bucket = bucketOf(input);
      const payer = input.RequestPaymentConfiguration?.Payer;
      if (payer !== 'BucketOwner' && payer !== 'Requester') throw malformedXml();
      bucket.requestPayer = payer;
      return {};
    },

    async GetBucketRequestPayment(input: S3.GetBucketRequestPaymentCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketRequestPaymentCommandOutput>> {
      return { Payer: bucketOf(input).requestPayer };
    },

    // ---- Replication (stored and reported; nothing is replicated) ----
    async PutBucketReplication(input: S3.PutBucketReplicationCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketReplicationCommandOutput>> {
      const bucket = bucketOf(input);
      const c = input.ReplicationConfiguration;
      if (!c?.Role || !c.Rules?.length || c.Rules.some((r) => !r.Destination?.Bucket || (r.Status !== 'Enabled' && r.Status !== 'Disabled'))) {
        throw malformedXml();
      }
      if (bucket.versioning !== 'Enabled') {
        throw new AwsError('InvalidRequest', "Versioning must be 'Enabled' on the bucket to apply a replication configuration", 400);
      }
      // S3 names a rule that has no ID.
      const rules = c.Rules.map((r) => ({ ...copyOf(r), ID: r.ID || Buffer.from(randomHex(24), 'hex').toString('base64') }));
      bucket.replication = { Role: c.Role, Rules: rules };
      return {};
    },

    async GetBucketReplication(input: S3.GetBucketReplicationCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketReplicationCommandOutput>> {
      const bucket = bucketOf(input);
      if (!bucket.replication) throw notFound('ReplicationConfigurationNotFoundError', 'The replication configuration was not found', bucket);
      return { ReplicationConfiguration: copyOf(bucket.replication) };
    },

    async DeleteBucketReplication(input: S3.DeleteBucketReplicationCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeleteBucketReplicationCommandOutput>> {
      bucketOf(input).replication = undefined;
      return {};
    },

    // ---- Object Lock (the configuration only: retention and legal holds are not enforced) ----
    async GetObjectLockConfiguration(input: S3.GetObjectLockConfigurationCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetObjectLockConfigurationCommandOutput>> {
      const bucket = bucketOf(input);
      if (!bucket.objectLock) throw notFound('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', bucket);
      return { ObjectLockConfiguration: copyOf(bucket.objectLock) };
    },

    /**
     * Sets the default retention; on a bucket created without Object Lock it enables the lock, which S3 allows
     * (since late 2023) only once versioning is Enabled.
     */
    async PutObjectLockConfiguration(input: S3.PutObjectLockConfigurationCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutObjectLockConfigurationCommandOutput>> {
      const bucket = bucketOf(input);
      const c = input.ObjectLockConfiguration;
      if (c?.ObjectLockEnabled !== 'Enabled') throw malformedXml();
      const retention = c.Rule?.DefaultRetention;
      if (c.Rule) {
        if (!retention || (retention.Mode !== 'GOVERNANCE' && retention.Mode !== 'COMPLIANCE')) throw malformedXml();
        if ((retention.Days === undefined) === (retention.Years === undefined)) throw malformedXml();
        if ((retention.Days ?? retention.Years)! <= 0) throw new AwsError('InvalidArgument', 'Default retention period must be a positive integer value', 400);
      }
      if (!bucket.objectLock && bucket.versioning !== 'Enabled') {
        throw new AwsError('InvalidBucketState', "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration", 409);
      }
      bucket.objectLock = { ObjectLockEnabled: 'Enabled', ...(retention ? { Rule: { DefaultRetention: { ...retention } } } : {}) };
      return {};
    },
  };
}
