/**
 * One page of a list whose Marker is opaque to the client: here, base64 of the index the next page starts at
 * (ListVersionsByFunction, ListAliases, ListFunctionUrlConfigs, ListProvisionedConcurrencyConfigs…).
 */
export function offsetPage<T>(all: T[], marker: string | undefined, size: number): { page: T[]; nextMarker?: string } {
  const start = marker ? Number(Buffer.from(marker, 'base64').toString('utf8')) || 0 : 0;
  const end = start + size;
  return { page: all.slice(start, end), ...(end < all.length ? { nextMarker: Buffer.from(String(end)).toString('base64') } : {}) };
}
