import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** The three S3 calls the data processor makes, behind an interface so its logic is testable without AWS. */
export interface ObjectStore {
  getObject(bucket: string, key: string, versionId: string | null): Promise<StoredObject>;
  putJson(bucket: string, key: string, value: unknown): Promise<void>;
  /** Copies `bucket/key` (that version, if given) to `destKey` in the same bucket. */
  copyObject(bucket: string, key: string, versionId: string | null, destKey: string): Promise<void>;
}

export interface StoredObject {
  text: string;
  /** Without the quotes S3 puts around it. */
  etag: string | null;
  size: number;
}

export function s3ObjectStore(client: S3Client): ObjectStore {
  return {
    async getObject(bucket, key, versionId) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId ?? undefined }));
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return {
        text: Buffer.from(bytes).toString('utf8'),
        etag: out.ETag ? out.ETag.replace(/"/g, '') : null,
        size: bytes.byteLength,
      };
    },
    async putJson(bucket, key, value) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: `${JSON.stringify(value, null, 2)}\n`,
          ContentType: 'application/json',
        }),
      );
    },
    async copyObject(bucket, key, versionId, destKey) {
      await client.send(new CopyObjectCommand({ Bucket: bucket, Key: destKey, CopySource: copySource(bucket, key, versionId) }));
    },
  };
}

/** CopySource is `bucket/key[?versionId=…]`, URL-encoded; each path segment is encoded so `/` stays a separator. */
export function copySource(bucket: string, key: string, versionId: string | null): string {
  const path = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return versionId ? `${path}?versionId=${encodeURIComponent(versionId)}` : path;
}

/** Region from AWS_REGION and endpoint from AWS_ENDPOINT_URL are picked up by the SDK itself. */
export function defaultS3Client(): S3Client {
  return new S3Client({ forcePathStyle: true });
}
