import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import type { ServiceModel } from './model';

/** An HTTP request as the codecs see it. The body is read lazily: S3 streams large payloads. */
export interface WireRequest {
  method: string;
  /** Raw (still percent-encoded) path without the query string. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The request body as a stream (consumed at most once). */
  stream: Readable;
  /** Reads the whole body (cached). */
  body(): Promise<Buffer>;
  /** Bucket named by a virtual-hosted Host header, if any. */
  virtualBucket?: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string | Readable;
}

export interface DecodedRequest {
  operation: string;
  input: Record<string, unknown>;
  /** A request the protocol layer refuses (a required member missing), thrown once the operation is known to be implemented. */
  invalid?: AwsError;
}

/** A protocol: turns requests into (operation, input) and outputs/errors into responses, for one service model. */
export interface Codec {
  decode(req: WireRequest): Promise<DecodedRequest>;
  encode(operation: string, output: unknown, ctx: RequestContext): WireResponse | Promise<WireResponse>;
  encodeError(err: AwsError, ctx: RequestContext, req: WireRequest): WireResponse;
}

export interface CodecFactory {
  (model: ServiceModel): Codec;
}
