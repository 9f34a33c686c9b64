import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { DeliveryBus } from '../core/delivery';
import { AwsError, isAwsError } from '../core/errors';
import { extractZip, ownedTempPrefix } from './runtime';
import type { FunctionCodeVersion } from './state';
import { LIMITS } from './validation';

/** Where a deployment package comes from: bytes in the request, or an S3 object. */
export interface CodeSource {
  ZipFile?: Uint8Array;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
  ImageUri?: string;
}

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message, 400, { Type: 'User' });

/**
 * The zip's bytes, fetched from S3 (through the bus: `s3.getObject`) when the request names a bucket and key.
 * `operation` names the request in AWS's too-large message (PublishLayerVersion reads its Content here too).
 */
export async function packageBytes(bus: DeliveryBus, src: CodeSource, operation = 'CreateFunction'): Promise<Buffer> {
  if (src.ImageUri) throw invalid('The emulator runs .zip deployment packages only (PackageType Zip); container images are not supported.');
  if (src.ZipFile && (src.S3Bucket || src.S3Key)) throw invalid('Please provide a source for function code.');
  if (src.ZipFile) {
    const zip = Buffer.from(src.ZipFile.buffer, src.ZipFile.byteOffset, src.ZipFile.byteLength);
    if (zip.length > LIMITS.zippedBytes) {
      throw new AwsError('RequestEntityTooLargeException', `Request must be smaller than ${LIMITS.zippedBytes} bytes for the ${operation} operation`, 413);
    }
    return zip;
  }
  if (!src.S3Bucket || !src.S3Key) throw invalid('Please provide a source for function code.');
  try {
    const body = await bus.ask<{ bucket: string; key: string; versionId?: string }, Buffer | Uint8Array>('s3.getObject', {
      bucket: src.S3Bucket,
      key: src.S3Key,
      versionId: src.S3ObjectVersion,
    });
    return Buffer.isBuffer(body) ? body : Buffer.from(body);
  } catch (e) {
    // AWS's own wording when the object cannot be read.
    const code = isAwsError(e) ? e.code : 'InternalError';
    throw invalid(`Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${(e as Error).message}`);
  }
}

/** Reads and unpacks a deployment package into a fresh task root (one per code version). */
export async function prepareCode(bus: DeliveryBus, src: CodeSource, keepZip = false): Promise<FunctionCodeVersion> {
  const zip = await packageBytes(bus, src);
  return { ...(await unpackCode(zip)), ...(keepZip ? { zip } : {}), ...(src.S3Bucket && src.S3Key ? { s3: { bucket: src.S3Bucket, key: src.S3Key, versionId: src.S3ObjectVersion } } : {}) };
}

/** Unpacks a package into a fresh task root (also what a restart does with a persisted function's package). */
export async function unpackCode(zip: Buffer): Promise<FunctionCodeVersion> {
  const dir = await fs.mkdtemp(ownedTempPrefix('lambda-code-'));
  let unzippedSize: number;
  try {
    unzippedSize = await extractZip(zip, dir);
  } catch (e) {
    await removeCodeDir(dir);
    throw e;
  }
  return {
    sha256: createHash('sha256').update(zip).digest('base64'),
    size: zip.length,
    dir,
    unzippedSize,
  };
}

export async function removeCodeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
}
