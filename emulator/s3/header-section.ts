import { AwsError } from '../core/errors';

/**
 * S3 refuses a request whose header section is over 8 KB (names and values, as UTF-8) with
 * RequestHeaderSectionTooLarge. The emulator's HTTP server accepts far larger header sections so that this answer,
 * not a reset connection, is what a client gets.
 */
export const MAX_S3_HEADER_SECTION_BYTES = 8192;

/** `rawHeaders` as Node gives it: name, value, name, value… */
export function checkS3HeaderSection(rawHeaders: readonly string[]): void {
  let bytes = 0;
  for (const part of rawHeaders) bytes += Buffer.byteLength(part, 'utf8');
  if (bytes > MAX_S3_HEADER_SECTION_BYTES) {
    throw new AwsError('RequestHeaderSectionTooLarge', 'Your request header section exceeds the maximum allowed size.', 400, {
      MaxSizeAllowed: String(MAX_S3_HEADER_SECTION_BYTES),
    });
  }
}
