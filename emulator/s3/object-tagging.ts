import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import { malformedXml } from './errors';
import { MAX_OBJECT_TAGS, validateTags, type Tag } from './names';
import { versionTarget } from './object-read';
import { shownVersionId, type Out, type S3State } from './state';

/** Object tags: Put/Get/DeleteObjectTagging (events ObjectTagging:Put / ObjectTagging:Delete). */
export function objectTaggingOperations(state: S3State) {
  const { notifier } = state;

  return {
    async PutObjectTagging(input: S3.PutObjectTaggingCommandInput, ctx: RequestContext): Promise<Out<S3.PutObjectTaggingCommandOutput>> {
      const { bucket, version } = versionTarget(state, input, 'PUT');
      if (!input.Tagging?.TagSet) throw malformedXml();
      version.tags = validateTags(input.Tagging.TagSet as Tag[], MAX_OBJECT_TAGS, 'Object');
      notifier.emit({ bucket, eventName: 'ObjectTagging:Put', key: version.key, versionId: version.versionId, etag: version.etag, size: version.body.length, ctx });
      return { VersionId: shownVersionId(bucket, version) };
    },

    async GetObjectTagging(input: S3.GetObjectTaggingCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetObjectTaggingCommandOutput>> {
      const { bucket, version } = versionTarget(state, input, 'GET');
      return { VersionId: shownVersionId(bucket, version), TagSet: version.tags.map((t) => ({ ...t })) };
    },

    async DeleteObjectTagging(input: S3.DeleteObjectTaggingCommandInput, ctx: RequestContext): Promise<Out<S3.DeleteObjectTaggingCommandOutput>> {
      const { bucket, version } = versionTarget(state, input, 'DELETE');
      version.tags = [];
      notifier.emit({ bucket, eventName: 'ObjectTagging:Delete', key: version.key, versionId: version.versionId, etag: version.etag, size: version.body.length, ctx });
      return { VersionId: shownVersionId(bucket, version) };
    },
  };
}
