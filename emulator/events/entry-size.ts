/**
 * PutEvents' size limit: the entries of one request together at most 256 KB, each counted as EventBridge documents
 * ("Calculating PutEvents event entry size"): 14 bytes for a Time, then the UTF-8 bytes of Source, DetailType,
 * Detail and each of the Resources. Over it, AWS refuses the whole request with ValidationException "Total size
 * of the entries in the request is over the limit."
 */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

interface EntryFields {
  Time?: unknown;
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
}

const utf8Bytes = (v: unknown): number => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);

export function putEventsEntrySize(e: EntryFields): number {
  let size = e.Time !== undefined && e.Time !== null ? 14 : 0;
  size += utf8Bytes(e.Source) + utf8Bytes(e.DetailType) + utf8Bytes(e.Detail);
  if (Array.isArray(e.Resources)) for (const r of e.Resources) size += utf8Bytes(r);
  return size;
}
