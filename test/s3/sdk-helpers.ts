import type { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { startS3, type S3Under } from './emulator';

/** What an SDK call's failure tells a test: the error name, HTTP status and message. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail');
}

/** Starts the S3 emulator (test/s3/emulator.ts) for a test file and an SDK client on it (no retries); stops both after. */
export function useS3(): { emu: () => S3Under; s3: () => S3Client } {
  let emu: S3Under;
  let s3: S3Client;
  beforeAll(async () => {
    emu = await startS3();
    s3 = emu.client({ maxAttempts: 1 });
  });
  afterAll(async () => {
    s3.destroy();
    await emu.stop();
  });
  return { emu: () => emu, s3: () => s3 };
}
