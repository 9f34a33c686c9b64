import type * as S3 from '@aws-sdk/client-s3';

let sdk: typeof S3 | undefined;
/**
 * The SDK, loaded on first use rather than at init: an environment whose events need no S3 call (an
 * s3:TestEvent, a key under reports/) then starts without it, about 0.1 s of CPU less per cold start.
 * A plain require (not import()), so the runtime's code cache still covers the bundle.
 */
function s3Sdk(): typeof S3 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (sdk ??= require('@aws-sdk/client-s3') as typeof S3);
}

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

export function s3ObjectStore(client: S3.S3Client): ObjectStore {
  const { CopyObjectCommand, GetObjectCommand, PutObjectCommand } = s3Sdk();
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
export function defaultS3Client(): S3.S3Client {
  return new (s3Sdk().S3Client)({ forcePathStyle: true });
}
