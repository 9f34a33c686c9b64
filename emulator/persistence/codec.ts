/**
 * Entity values as JSON lines. Service state holds Buffers, Maps, Sets, bigints and Dates, which JSON
 * cannot carry, so values are encoded with tagged objects `{"$$": tag, "v": …}`. Large buffers go to
 * their own blob files (written before the journal line that names them, so a line never refers to a
 * blob that is not there); small ones travel inline as base64.
 */

/** Buffers up to this size are kept in the journal line itself. */
export const INLINE_LIMIT = 64 * 1024;

export interface BlobSink {
  /** Stores the bytes (atomically) and returns the blob's id; the same Buffer object is stored once. */
  put(bytes: Buffer): string;
}

export interface BlobSource {
  get(id: string): Buffer;
}

const TAG = '$$';

export function encodeValue(value: unknown, blobs: BlobSink): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return { [TAG]: 'big', v: value.toString() };
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (ArrayBuffer.isView(value) && !Buffer.isBuffer(value)) {
    // Other byte views (SQS binary attributes arrive as Uint8Array) come back as Buffers, which are Uint8Arrays.
    return encodeValue(Buffer.from(value.buffer, value.byteOffset, value.byteLength), blobs);
  }
  if (Buffer.isBuffer(value)) {
    return value.length <= INLINE_LIMIT ? { [TAG]: 'b64', v: value.toString('base64') } : { [TAG]: 'blob', v: blobs.put(value) };
  }
  if (value instanceof Date) return { [TAG]: 'date', v: value.getTime() };
  if (value instanceof Map) return { [TAG]: 'map', v: [...value].map(([k, v]) => [encodeValue(k, blobs), encodeValue(v, blobs)]) };
  if (value instanceof Set) return { [TAG]: 'set', v: [...value].map((v) => encodeValue(v, blobs)) };
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : encodeValue(v, blobs)));
  if (value instanceof Promise) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const encoded = encodeValue(v, blobs);
    if (encoded !== undefined) out[k] = encoded;
  }
  // A plain object that happens to have our tag key is wrapped, so decoding never mistakes it for a tag.
  return TAG in out ? { [TAG]: 'obj', v: out } : out;
}

export function decodeValue(value: unknown, blobs: BlobSource): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => decodeValue(v, blobs));
  const o = value as Record<string, unknown>;
  if (typeof o[TAG] === 'string' && 'v' in o) {
    const v = o.v as any;
    switch (o[TAG]) {
      case 'big':
        return BigInt(v);
      case 'b64':
        return Buffer.from(v, 'base64');
      case 'blob':
        return blobs.get(v);
      case 'date':
        return new Date(v);
      case 'map':
        return new Map((v as [unknown, unknown][]).map(([k, x]) => [decodeValue(k, blobs), decodeValue(x, blobs)]));
      case 'set':
        return new Set((v as unknown[]).map((x) => decodeValue(x, blobs)));
      case 'obj':
        return decodeObject(v, blobs);
    }
  }
  return decodeObject(o, blobs);
}

function decodeObject(o: Record<string, unknown>, blobs: BlobSource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decodeValue(v, blobs);
  return out;
}

/** Blob ids a stored (encoded) value refers to: what compaction must keep. */
export function blobRefs(value: unknown, into: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) blobRefs(v, into);
    return;
  }
  const o = value as Record<string, unknown>;
  if (o[TAG] === 'blob' && typeof o.v === 'string') into.add(o.v);
  else for (const v of Object.values(o)) blobRefs(v, into);
}
