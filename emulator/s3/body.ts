import { constants as bufferConstants } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { AwsError } from '../core/errors';
import { AwsChunkedDecoder, isAwsChunked } from './chunked';
import {
  assertChecksumValue,
  CHECKSUM_ALGORITHMS,
  checksumHeaderName,
  checksumMember,
  checksumMismatch,
  createHasher,
  parseChecksumAlgorithm,
  verifyContentMd5,
  type ChecksumAlgorithm,
  type Hasher,
} from './checksums';

/**
 * Reading an upload body (PutObject, UploadPart) once, as it streams: aws-chunked decoding, one allocation
 * for the whole payload when its size is known, MD5 (the ETag) and the flexible checksum computed on the
 * way, then every integrity check S3 makes (Content-MD5, x-amz-checksum-* header or trailer,
 * x-amz-content-sha256, length).
 */

export interface UploadIntegrity {
  /** Raw request headers (lower-cased). */
  headers: IncomingHttpHeaders;
  /** The input's checksum members (`ChecksumCRC32`, …) and algorithm, as the protocol parsed them. */
  input: Record<string, unknown>;
  /** An algorithm to compute even without a value to check (the multipart upload's algorithm). */
  defaultAlgorithm?: ChecksumAlgorithm;
}

/** S3's limit on one PutObject or UploadPart payload: 5 GiB. */
export const MAX_UPLOAD_BYTES = 5 * 1024 ** 3;
/**
 * What this emulator can hold in one object or part: S3's limit, or less where one Node Buffer cannot hold that
 * much (4 GiB on 64-bit Node 20). Larger uploads are refused like S3 refuses them, naming this size.
 */
export const MAX_STORED_UPLOAD_BYTES = Math.min(MAX_UPLOAD_BYTES, bufferConstants.MAX_LENGTH);
/** A body announced up to this size is read into one buffer allocated up front; beyond, memory follows the data. */
const PREALLOCATE_LIMIT = 256 * 1024 * 1024;

/**
 * S3's EntityTooLarge, with the fields S3 puts in the error body (ProposedSize, MaxSizeAllowed). Over 5 GiB it
 * names S3's own limit; between the emulator's limit and that, the emulator's.
 */
export const entityTooLarge = (proposed: number): AwsError =>
  new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
    ProposedSize: String(proposed),
    MaxSizeAllowed: String(proposed > MAX_UPLOAD_BYTES ? MAX_UPLOAD_BYTES : MAX_STORED_UPLOAD_BYTES),
  });

export interface ReceivedBody {
  data: Buffer;
  md5: Buffer;
  /** The flexible checksum stored with the object/part, base64. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** A request header's value (repeated headers joined with commas, as HTTP allows). */
export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export async function readUploadBody(body: unknown, integrity: UploadIntegrity): Promise<ReceivedBody> {
  const { headers, input } = integrity;

  // Which checksum is claimed, and where its value is (header now, or trailer later).
  const given: { algorithm: ChecksumAlgorithm; value?: string; trailer?: string }[] = [];
  for (const { algorithm, member, headerName } of CLAIMS) {
    const value = (input[member] as string | undefined) ?? header(headers, headerName);
    if (value !== undefined) given.push({ algorithm, value });
  }
  const trailerName = header(headers, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailerName) {
    const algorithm = parseChecksumAlgorithm(trailerName);
    if (algorithm && !given.some((g) => g.algorithm === algorithm)) given.push({ algorithm, trailer: trailerName });
  }
  if (given.length > 1) {
    throw new AwsError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.', 400);
  }
  for (const g of given) if (g.value !== undefined) assertChecksumValue(g.algorithm, g.value);
  const declared =
    parseChecksumAlgorithm(input.ChecksumAlgorithm as string | undefined) ??
    parseChecksumAlgorithm(header(headers, 'x-amz-sdk-checksum-algorithm'));
  const algorithm = given[0]?.algorithm ?? declared ?? integrity.defaultAlgorithm;
  const contentSha = header(headers, 'x-amz-content-sha256');
  const verifySha256 = contentSha !== undefined && /^[0-9a-f]{64}$/i.test(contentSha);

  const md5 = createHash('md5');
  const flexible: Hasher | undefined = algorithm ? createHasher(algorithm) : undefined;
  const sha256 = verifySha256 ? createHash('sha256') : undefined;

  // Refused from the announced length, before any of the body is read (as S3 does).
  const expected = expectedLength(body, headers, input);
  if (expected !== undefined && expected > MAX_STORED_UPLOAD_BYTES) throw entityTooLarge(expected);
  const collector = new BodyCollector(expected, [md5, flexible, sha256]);
  const take = collector.add.bind(collector);

  let trailers: Record<string, string> = {};
  if (body === undefined || body === null) {
    // empty body
  } else if (Buffer.isBuffer(body) || body instanceof Uint8Array || typeof body === 'string') {
    take(typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } else if (body instanceof Readable) {
    // A refused body must not destroy the request stream: the client still gets its error response.
    try {
      if (isAwsChunked(headers)) {
        const decoder = new AwsChunkedDecoder();
        const forward = (err: Error) => decoder.destroy(err);
        body.on('error', forward);
        body.pipe(decoder);
        try {
          for await (const chunk of decoder) take(chunk as Buffer);
        } finally {
          body.unpipe(decoder);
          body.off('error', forward);
        }
        trailers = decoder.trailers;
      } else {
        await feed(body, take);
      }
    } catch (err) {
      // The client went away mid-body: S3's answer to a body shorter than announced (nobody is left to read it,
      // but it is the client's doing, not a server failure to log).
      if (!(err instanceof AwsError) && isAbort(err)) throw incompleteBody();
      throw err;
    }
  } else if (typeof (body as any)?.[Symbol.asyncIterator] === 'function') {
    for await (const chunk of body as AsyncIterable<Buffer | string>) take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } else {
    throw new AwsError('InvalidRequest', 'Unsupported request body', 400);
  }

  const data = collector.finish();
  const md5Digest = md5.digest();

  const contentMd5 = (input.ContentMD5 as string | undefined) ?? header(headers, 'content-md5');
  if (contentMd5 !== undefined) verifyContentMd5(contentMd5, md5Digest);

  let checksum: ReceivedBody['checksum'];
  if (flexible && algorithm) {
    const actual = (await flexible.digest()).toString('base64');
    const claim = given[0];
    const claimed = claim?.value ?? (claim?.trailer !== undefined ? trailers[claim.trailer] : undefined);
    if (claim?.trailer !== undefined && claimed === undefined) {
      throw new AwsError('IncompleteBody', `The request did not include the trailing ${claim.trailer} checksum it announced.`, 400);
    }
    if (claimed !== undefined) {
      if (claim?.trailer !== undefined) assertChecksumValue(algorithm, claimed);
      if (claimed !== actual) throw checksumMismatch(algorithm);
    }
    checksum = { algorithm, value: actual };
  }

  if (sha256 && sha256.digest('hex') !== contentSha!.toLowerCase()) {
    throw new AwsError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
      ClientComputedContentSHA256: contentSha!,
    });
  }
  return { data, md5: md5Digest, checksum };
}

/** Where each algorithm's claimed value can be: its input member, its header. */
const CLAIMS = CHECKSUM_ALGORITHMS.map((algorithm) => ({ algorithm, member: checksumMember(algorithm), headerName: checksumHeaderName(algorithm) }));

/**
 * Feeds a plain request stream's chunks to `take` until it ends. Listeners rather than an async iterator,
 * which cost more per request than reading a small body. Settles like the iterator did: with what `take`
 * throws (the stream is paused, not destroyed: the client still gets its error response), with the stream's
 * error, or with a premature-close error when it closes before its end.
 */
function feed(body: Readable, take: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (body.readableEnded) resolve();
    else if (body.errored) reject(body.errored);
    else if (body.destroyed) reject(prematureClose());
    else new StreamFeed(body, take, resolve, reject);
  });
}

/**
 * The listeners of one `feed`. Bound methods, not closures: under tsx (bench, CLI) every named closure made per
 * request costs a defineProperty for its name (esbuild's keepNames), several times the cost of the closure.
 */
class StreamFeed {
  private readonly listeners: [event: string, listener: (arg: any) => void][];

  constructor(
    private readonly body: Readable,
    private readonly take: (chunk: Buffer) => void,
    private readonly resolve: () => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.listeners = [
      ['error', this.settle.bind(this)],
      ['close', this.closed.bind(this)],
      ['end', this.settle.bind(this, undefined)],
      ['data', this.data.bind(this)],
    ];
    for (const [event, listener] of this.listeners) body.on(event, listener);
    // Flowing even if someone paused it before (the iterator read it either way).
    body.resume();
  }

  private data(chunk: Buffer | string): void {
    try {
      this.take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    } catch (err) {
      this.body.pause();
      this.settle(err);
    }
  }

  private closed(): void {
    this.settle(prematureClose());
  }

  private settle(err: unknown): void {
    for (const [event, listener] of this.listeners) this.body.off(event, listener);
    if (err === undefined) this.resolve();
    else this.reject(err);
  }
}

const prematureClose = (): Error => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

const incompleteBody = (): AwsError =>
  new AwsError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400);

/** A request stream that ended early because the connection closed (`aborted`, ECONNRESET, …). */
function isAbort(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  return e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.message === 'aborted';
}

/** The payload length the client announced, if any (decoded length for aws-chunked bodies). */
function expectedLength(body: unknown, headers: IncomingHttpHeaders, input: Record<string, unknown>): number | undefined {
  if (!(body instanceof Readable)) return undefined;
  const text = isAwsChunked(headers) ? header(headers, 'x-amz-decoded-content-length') : header(headers, 'content-length');
  const fromHeader = text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
  if (fromHeader !== undefined) return fromHeader;
  return isAwsChunked(headers) ? undefined : (input.ContentLength as number | undefined);
}

/**
 * Gathers a body into one Buffer: allocated once when the size is announced (a 100 MiB upload is held once),
 * else the chunks are kept and concatenated once at the end. An announced size is a claim, not data: beyond
 * PREALLOCATE_LIMIT nothing is reserved up front, so a large Content-Length alone costs no memory.
 */
class BodyCollector {
  private target: Buffer | undefined;
  private offset = 0;
  private chunks: Buffer[] = [];

  constructor(
    private readonly expected: number | undefined,
    /** Hashes every chunk goes through first (MD5, the flexible checksum, SHA-256), when there are. */
    private readonly hashes: ({ update(chunk: Buffer): unknown } | undefined)[] = [],
  ) {
    if (expected !== undefined && expected > 0 && expected <= PREALLOCATE_LIMIT) this.target = Buffer.allocUnsafe(expected);
  }

  add(chunk: Buffer): void {
    for (const h of this.hashes) h?.update(chunk);
    if (this.expected !== undefined && this.offset + chunk.length > this.expected) {
      throw new AwsError('IncompleteBody', 'The request body is longer than the length it declared.', 400);
    }
    // Without an announced length (aws-chunked with no x-amz-decoded-content-length), the limit applies as data arrives.
    if (this.offset + chunk.length > MAX_STORED_UPLOAD_BYTES) throw entityTooLarge(this.offset + chunk.length);
    if (this.target) chunk.copy(this.target, this.offset);
    else this.chunks.push(chunk);
    this.offset += chunk.length;
  }

  finish(): Buffer {
    if (this.expected !== undefined && this.offset !== this.expected) throw incompleteBody();
    if (this.target) return this.target;
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.offset);
  }
}
