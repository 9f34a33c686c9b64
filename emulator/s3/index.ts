/**
 * The S3 provider (operations in SDK shapes; the REST-XML codec does the HTTP) and the pieces other
 * folders may reuse: aws-chunked decoding and checksums.
 */
export { createS3Provider, type S3Provider, type S3ProviderOptions, type GetObjectQuery } from './provider';
export { AwsChunkedDecoder, isAwsChunked } from './chunked';
export { CHECKSUM_ALGORITHMS, createHasher, checksumOf, type ChecksumAlgorithm } from './checksums';
export { DEFAULT_RESTORE_DELAY_MS } from './restore';
export { buildEventBridgeEvent, type S3EventBridgeEvent } from './eventbridge-event';
