import type { IncomingHttpHeaders } from 'node:http';

/** What a provider knows about the request it serves (no HTTP objects: providers are plain logic). */
export interface RequestContext {
  /** Region from the SigV4 credential scope, else the emulator's default region. */
  region: string;
  accountId: string;
  /** AWS request id echoed in the response (x-amz-request-id / x-amzn-RequestId / RequestId). */
  requestId: string;
  /** S3's second id (x-amz-id-2). */
  hostId: string;
  /** The emulator's base URL as the client reached it, e.g. http://127.0.0.1:4566 (queue URLs are built from it). */
  endpoint: string;
  /** The client's address, for S3 event records (sourceIPAddress). */
  sourceIp: string;
  /** Access key from the credential scope (identifies the caller: principalId, SenderId). */
  accessKeyId: string;
  /** Lower-cased request headers, for the few operations that read raw headers. */
  headers: IncomingHttpHeaders;
  /** The operation being served, e.g. `SendMessage`. */
  operation: string;
}

export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';
