import { Transform, type TransformCallback } from 'node:stream';
import { AwsError } from '../core/errors';

/**
 * Decodes S3's `aws-chunked` content encoding as it streams:
 *
 *   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n … 0[;chunk-signature=<sig>]\r\n
 *   [<trailer-name>:<value>\r\n …]\r\n
 *
 * used by SigV4 streaming uploads (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`) and unsigned ones with
 * trailing checksums (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`). Chunk data is passed on without copying;
 * trailers (e.g. `x-amz-checksum-crc32`, `x-amz-trailer-signature`) are collected in `trailers`.
 * Signatures are not verified: the emulator accepts any credentials.
 */
export class AwsChunkedDecoder extends Transform {
  /** Trailer headers, lower-cased names; complete once the stream has ended. */
  readonly trailers: Record<string, string> = {};
  /** Decoded payload bytes passed on so far. */
  decodedBytes = 0;

  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private remaining = 0;
  private line: Buffer[] = [];
  private lineLength = 0;

  private static readonly MAX_LINE = 16 * 1024;

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // Some clients end the trailer section without the final empty line.
    if (this.state === 'trailer' && this.lineLength > 0) {
      this.trailerLine(this.takeLine());
      this.state = 'done';
    } else if (this.state === 'trailer') this.state = 'done';
    if (this.state !== 'done') {
      callback(incompleteBody());
      return;
    }
    callback();
  }

  private consume(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, chunk.length - pos);
        this.push(chunk.subarray(pos, pos + n));
        this.decodedBytes += n;
        this.remaining -= n;
        pos += n;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') return; // anything after the final empty line is ignored
      const nl = chunk.indexOf(0x0a, pos);
      const end = nl === -1 ? chunk.length : nl;
      this.lineLength += end - pos;
      if (this.lineLength > AwsChunkedDecoder.MAX_LINE) throw malformed('chunk header too long');
      this.line.push(chunk.subarray(pos, end));
      pos = end;
      if (nl === -1) break;
      pos = nl + 1;
      this.onLine(this.takeLine());
    }
  }

  private takeLine(): string {
    const text = Buffer.concat(this.line, this.lineLength).toString('latin1');
    this.line = [];
    this.lineLength = 0;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  private onLine(text: string): void {
    switch (this.state) {
      case 'size': {
        const sizeText = text.split(';', 1)[0]!.trim();
        if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw malformed(`bad chunk size "${text.slice(0, 40)}"`);
        const size = parseInt(sizeText, 16);
        if (size === 0) this.state = 'trailer';
        else {
          this.remaining = size;
          this.state = 'data';
        }
        return;
      }
      case 'data-end':
        if (text !== '') throw malformed('chunk data longer than its declared size');
        this.state = 'size';
        return;
      case 'trailer':
        if (text === '') this.state = 'done';
        else this.trailerLine(text);
        return;
      default:
        return;
    }
  }

  private trailerLine(text: string): void {
    const colon = text.indexOf(':');
    if (colon <= 0) throw malformed(`bad trailer "${text.slice(0, 40)}"`);
    this.trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
}

const incompleteBody = (): AwsError =>
  new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);

const malformed = (detail: string): AwsError =>
  new AwsError('InvalidRequest', `The request body is not valid aws-chunked encoding: ${detail}`, 400);

/** Whether a request body is aws-chunked (by its content encoding or the streaming payload hash). */
export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-');
}

/** Content-Encoding as stored: the transfer-level `aws-chunked` removed. */
export function storedContentEncoding(encoding: string | undefined): string | undefined {
  if (encoding === undefined) return undefined;
  const rest = encoding
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e && e.toLowerCase() !== 'aws-chunked');
  return rest.length ? rest.join(',') : undefined;
}
