/**
 * What an S3 request may have changed, read from its input and output alone: nothing for a read; otherwise its
 * bucket, the key it named (its own or the one it answered with), the keys of a DeleteObjects, and the multipart
 * upload it named or started. Persistence and lifecycle scheduling both go by it.
 */
export interface Change {
  bucket: string;
  key?: string;
  /** DeleteObjects' keys (it names no single key). */
  deletedKeys: string[];
  uploadId?: string;
}

const READ_ONLY = /^(Get|Head|List|Select)/;

const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

export function changedBy(operation: string, input: any, output: any): Change | undefined {
  const bucket = text(input?.Bucket);
  if (READ_ONLY.test(operation) || bucket === undefined) return undefined;
  const deletedKeys: string[] = [];
  for (const o of input.Delete?.Objects ?? []) if (typeof o?.Key === 'string') deletedKeys.push(o.Key);
  return { bucket, key: text(input.Key ?? output?.Key), deletedKeys, uploadId: text(input.UploadId ?? output?.UploadId) };
}
