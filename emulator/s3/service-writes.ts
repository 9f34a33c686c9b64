import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import type { Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { parseArn, s3HostId, s3RequestId } from '../core/ids';
import { evaluatePolicy } from '../core/resource-policy';
import { getBucket, type S3State } from './state';

/**
 * Objects other AWS services write into a bucket (a CloudWatch Logs export task), received over the delivery bus
 * (`kind: 's3'`, destination `arn:aws:s3:::<bucket>`). Each is stored by the same PutObject a client's request
 * runs, so versioning, default encryption, lifecycle and event notifications (ObjectCreated:Put) apply as usual.
 *
 * With `strict`, the bucket policy must let the service's principal do what AWS services check before they
 * deliver: s3:GetBucketAcl on the bucket (bus `check`) and s3:PutObject on each object (`receive`), as AWS services
 * write with the `bucket-owner-full-control` canned ACL. An explicit Deny refuses either.
 */
export function registerServiceWrites(state: S3State, putObject: (input: S3.PutObjectCommandInput, ctx: RequestContext) => Promise<unknown>): void {
  const { deps } = state;
  const bucketOf = (arn: string) => {
    const name = parseArn(arn)?.resource ?? '';
    return getBucket(state, name);
  };
  const allowed = (bucket: string, origin: Origin, action: string, resource: string): boolean => {
    if (!deps.options.strict) return true;
    const policy = state.buckets.get(bucket)?.policy;
    const context = { 'aws:SourceArn': origin.sourceArn, 'aws:SourceAccount': origin.sourceAccount, 's3:x-amz-acl': 'bucket-owner-full-control' };
    return evaluatePolicy(policy, { principal: origin.principal, action, resource, context }) === 'Allow';
  };
  const denied = () => new AwsError('AccessDenied', 'Access Denied', 403);

  deps.bus.register('s3', {
    check(arn, origin) {
      const b = bucketOf(arn);
      if (!allowed(b.name, origin, 's3:GetBucketAcl', `arn:aws:s3:::${b.name}`)) throw denied();
    },
    async receive(arn, message, origin) {
      if (message.kind !== 's3') throw new AwsError('InvalidArgument', `S3 cannot accept a ${message.kind} delivery`, 400);
      const b = bucketOf(arn);
      if (!allowed(b.name, origin, 's3:PutObject', `arn:aws:s3:::${b.name}/${message.key}`)) throw denied();
      const ctx: RequestContext = {
        region: b.region,
        accountId: origin.sourceAccount,
        requestId: s3RequestId(),
        hostId: s3HostId(),
        endpoint: '',
        sourceIp: origin.principal,
        // Event records name the writing service as the caller (principalId `AWS:<service principal>`).
        accessKeyId: origin.principal,
        headers: {},
        operation: 'PutObject',
      };
      await putObject(
        { Bucket: b.name, Key: message.key, Body: message.body, ContentType: message.contentType, ContentEncoding: message.contentEncoding, ACL: 'bucket-owner-full-control' },
        ctx,
      );
      state.changed?.(b.name, message.key);
    },
  });
}
