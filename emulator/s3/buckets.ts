import { copyOf } from '../core/clone';
import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { bucketAclForCreate } from './acl';
import { assertObjectOwnership } from './bucket-settings';
import { assertValidBucketPolicy } from './bucket-policy';
import { malformedXml } from './errors';
import { assertBucketName, MAX_BUCKET_TAGS, validateTags, type Tag } from './names';
import { bucketArn, getBucket, owner, wholeSecond, type Out, type S3State } from './state';
import { bucketIsEmpty, newBucket } from './store';
import { validateLifecycleRules } from './lifecycle/validate';

/** Bucket lifecycle and bucket-level settings (versioning, tags, policy, CORS, lifecycle rules). */
export function bucketOperations(state: S3State) {
  const { buckets } = state;

  /** The region a CreateBucket lands in, following the regional-endpoint rules (the emulator is one endpoint). */
  function targetRegion(input: S3.CreateBucketCommandInput, ctx: RequestContext): string {
    const raw = input.CreateBucketConfiguration?.LocationConstraint as string | undefined;
    const constraint = raw === 'EU' ? 'eu-west-1' : raw || undefined;
    if (ctx.region === 'us-east-1') {
      // Like the global endpoint: any region may be named, except us-east-1 itself.
      if (constraint === 'us-east-1') {
        throw new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, { LocationConstraint: constraint });
      }
      return constraint ?? 'us-east-1';
    }
    if (constraint !== ctx.region) {
      throw new AwsError(
        'IllegalLocationConstraintException',
        `The ${constraint ?? 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        400,
      );
    }
    return constraint;
  }

  return {
    async CreateBucket(input: S3.CreateBucketCommandInput, ctx: RequestContext): Promise<Out<S3.CreateBucketCommandOutput>> {
      assertBucketName(input.Bucket);
      const name = input.Bucket;
      const region = targetRegion(input, ctx);
      const existing = buckets.get(name);
      if (existing) {
        if (existing.ownerAccount !== ctx.accountId) {
          throw new AwsError(
            'BucketAlreadyExists',
            'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
            409,
            { BucketName: name },
          );
        }
        // Legacy us-east-1 behaviour: re-creating your own bucket there answers 200 OK.
        if (existing.region === 'us-east-1' && region === 'us-east-1') return { Location: `/${name}`, BucketArn: bucketArn(name) };
        throw new AwsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, {
          BucketName: name,
        });
      }
      const tags = input.CreateBucketConfiguration?.Tags;
      const bucket = newBucket(name, region, ctx.accountId, state.deps.clock.now());
      if (tags?.length) bucket.tags = validateTags(tags as Tag[], MAX_BUCKET_TAGS, 'Bucket');
      if (input.ObjectOwnership !== undefined) {
        assertObjectOwnership(input.ObjectOwnership);
        bucket.ownership = input.ObjectOwnership;
      }
      bucket.acl = bucketAclForCreate(bucket, input);
      // Object Lock needs versioning: S3 turns it on with the lock.
      if (input.ObjectLockEnabledForBucket) {
        bucket.versioning = 'Enabled';
        bucket.objectLock = { ObjectLockEnabled: 'Enabled' };
      }
      buckets.set(name, bucket);
      state.deps.bus.record({ type: 's3.createBucket', bucket: name, region, requestId: ctx.requestId });
      const location = region === 'us-east-1' ? `/${name}` : `http://${name}.s3.amazonaws.com/`;
      return { Location: location, BucketArn: bucketArn(name) };
    },

    async HeadBucket(input: S3.HeadBucketCommandInput, _ctx?: RequestContext): Promise<Out<S3.HeadBucketCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      return { BucketRegion: bucket.region, AccessPointAlias: false };
    },

    async ListBuckets(input: S3.ListBucketsCommandInput, ctx: RequestContext): Promise<Out<S3.ListBucketsCommandOutput>> {
      const max = input.MaxBuckets ?? 10_000;
      if (!Number.isInteger(max) || max < 1 || max > 10_000) {
        throw new AwsError('InvalidArgument', 'Argument value must be between 1 and 10000', 400, { ArgumentName: 'max-buckets' });
      }
      const after = input.ContinuationToken ? Buffer.from(input.ContinuationToken, 'base64').toString('utf8') : undefined;
      const all = [...buckets.values()]
        .filter((b) => b.ownerAccount === ctx.accountId)
        .filter((b) => !input.Prefix || b.name.startsWith(input.Prefix))
        .filter((b) => !input.BucketRegion || b.region === input.BucketRegion)
        .filter((b) => after === undefined || b.name > after)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const page = all.slice(0, max);
      const truncated = all.length > page.length;
      return {
        Buckets: page.map((b) => ({ Name: b.name, CreationDate: new Date(wholeSecond(b.created)), BucketRegion: b.region, BucketArn: bucketArn(b.name) })),
        Owner: owner(ctx.accountId),
        ...(truncated ? { ContinuationToken: Buffer.from(page[page.length - 1]!.name, 'utf8').toString('base64') } : {}),
        ...(input.Prefix !== undefined ? { Prefix: input.Prefix } : {}),
      };
    },

    async DeleteBucket(input: S3.DeleteBucketCommandInput, ctx: RequestContext): Promise<Out<S3.DeleteBucketCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      if (!bucketIsEmpty(bucket)) {
        throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: bucket.name });
      }
      buckets.delete(bucket.name);
      state.deps.bus.record({ type: 's3.deleteBucket', bucket: bucket.name, requestId: ctx.requestId });
      return {};
    },

    async GetBucketLocation(input: S3.GetBucketLocationCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketLocationCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      return { LocationConstraint: (bucket.region === 'us-east-1' ? undefined : bucket.region) as S3.BucketLocationConstraint | undefined };
    },

    async PutBucketVersioning(input: S3.PutBucketVersioningCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketVersioningCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      if (!input.VersioningConfiguration) throw malformedXml(); // no body at all: S3 parses nothing
      const status = input.VersioningConfiguration.Status;
      if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
      if (status === 'Suspended' && bucket.objectLock) {
        throw new AwsError('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.', 409);
      }
      if (status === 'Suspended' && bucket.replication) {
        throw new AwsError('InvalidBucketState', 'A replication configuration is present on this bucket, so the versioning state cannot be changed.', 409);
      }
      if (status) bucket.versioning = status;
      if (input.VersioningConfiguration?.MFADelete) bucket.mfaDelete = input.VersioningConfiguration.MFADelete;
      return {};
    },

    async GetBucketVersioning(input: S3.GetBucketVersioningCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketVersioningCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      return { Status: bucket.versioning, ...(bucket.mfaDelete ? { MFADelete: bucket.mfaDelete as S3.MFADeleteStatus } : {}) };
    },

    async PutBucketTagging(input: S3.PutBucketTaggingCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketTaggingCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      if (!input.Tagging?.TagSet) throw malformedXml();
      bucket.tags = validateTags(input.Tagging.TagSet as Tag[], MAX_BUCKET_TAGS, 'Bucket');
      return {};
    },

    async GetBucketTagging(input: S3.GetBucketTaggingCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketTaggingCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      if (!bucket.tags?.length) throw new AwsError('NoSuchTagSet', 'The TagSet does not exist', 404, { BucketName: bucket.name });
      return { TagSet: bucket.tags.map((t) => ({ ...t })) };
    },

    async DeleteBucketTagging(input: S3.DeleteBucketTaggingCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeleteBucketTaggingCommandOutput>> {
      getBucket(state, input.Bucket).tags = undefined;
      return {};
    },

    async PutBucketPolicy(input: S3.PutBucketPolicyCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketPolicyCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const text = input.Policy ?? '';
      assertValidBucketPolicy(text, bucket.name);
      bucket.policy = text;
      return {};
    },

    async GetBucketPolicy(input: S3.GetBucketPolicyCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketPolicyCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      if (bucket.policy === undefined) {
        throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: bucket.name });
      }
      return { Policy: bucket.policy };
    },

    async DeleteBucketPolicy(input: S3.DeleteBucketPolicyCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeleteBucketPolicyCommandOutput>> {
      getBucket(state, input.Bucket).policy = undefined;
      return {};
    },

    async PutBucketCors(input: S3.PutBucketCorsCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketCorsCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const rules = input.CORSConfiguration?.CORSRules;
      if (!rules?.length) throw malformedXml();
      bucket.cors = copyOf(rules);
      return {};
    },

    async GetBucketCors(input: S3.GetBucketCorsCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketCorsCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      if (bucket.cors === undefined) {
        throw new AwsError('NoSuchCORSConfiguration', 'The CORS configuration does not exist', 404, { BucketName: bucket.name });
      }
      return { CORSRules: copyOf(bucket.cors) as S3.CORSRule[] };
    },

    async DeleteBucketCors(input: S3.DeleteBucketCorsCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeleteBucketCorsCommandOutput>> {
      getBucket(state, input.Bucket).cors = undefined;
      return {};
    },

    async PutBucketLifecycleConfiguration(input: S3.PutBucketLifecycleConfigurationCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutBucketLifecycleConfigurationCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const rules = input.LifecycleConfiguration?.Rules;
      if (!rules?.length) throw malformedXml();
      validateLifecycleRules(rules);
      const minSize = input.TransitionDefaultMinimumObjectSize ?? 'all_storage_classes_128K';
      bucket.lifecycle = { Rules: copyOf(rules), TransitionDefaultMinimumObjectSize: minSize };
      return { TransitionDefaultMinimumObjectSize: minSize };
    },

    async GetBucketLifecycleConfiguration(input: S3.GetBucketLifecycleConfigurationCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketLifecycleConfigurationCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      if (bucket.lifecycle === undefined) {
        throw new AwsError('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', 404, { BucketName: bucket.name });
      }
      return copyOf(bucket.lifecycle) as Out<S3.GetBucketLifecycleConfigurationCommandOutput>;
    },

    async DeleteBucketLifecycle(input: S3.DeleteBucketLifecycleCommandInput, _ctx?: RequestContext): Promise<Out<S3.DeleteBucketLifecycleCommandOutput>> {
      getBucket(state, input.Bucket).lifecycle = undefined;
      return {};
    },
  };
}
