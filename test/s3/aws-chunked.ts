/** Test-side aws-chunked encoder (what SDK clients send), to feed the decoder. */
export interface EncodeOptions {
  chunkSize: number;
  signed?: boolean;
  trailers?: Record<string, string>;
  /** End the trailer section with the empty line (clients do; some omit it). */
  finalCrlf?: boolean;
}

const fakeSignature = (i: number): string => i.toString(16).padStart(64, 'a');

export function encodeAwsChunked(data: Buffer, opts: EncodeOptions): Buffer {
  const parts: Buffer[] = [];
  const ext = (i: number) => (opts.signed ? `;chunk-signature=${fakeSignature(i)}` : '');
  let i = 0;
  for (let pos = 0; pos < data.length; pos += opts.chunkSize, i++) {
    const chunk = data.subarray(pos, pos + opts.chunkSize);
    parts.push(Buffer.from(`${chunk.length.toString(16)}${ext(i)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${ext(i)}\r\n`));
  for (const [k, v] of Object.entries(opts.trailers ?? {})) parts.push(Buffer.from(`${k}:${v}\r\n`));
  if (opts.signed && opts.trailers) parts.push(Buffer.from(`x-amz-trailer-signature:${fakeSignature(999)}\r\n`));
  if (opts.finalCrlf !== false) parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}
