/**
 * A deep copy of stored request data (plain objects, arrays, Dates, byte arrays), made with this realm's
 * constructors. Not `structuredClone`: under jest the test's realm is not Node's, and structuredClone makes
 * Node-realm Dates that the SDK's serializers (`instanceof Date` in the test realm) no longer see as Dates.
 */
export function copyOf<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy);
  if (value instanceof Date || Object.prototype.toString.call(value) === '[object Date]') return new Date((value as Date).getTime());
  if (ArrayBuffer.isView(value)) return Uint8Array.prototype.slice.call(value as Uint8Array);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = copy(v);
  return out;
}
