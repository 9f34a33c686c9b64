/**
 * Appends every item, one push at a time: `into.push(...items)` passes the items as arguments, and past about
 * 120,000 of them V8 throws RangeError (a restart with that many saved datapoints, a Lambda printing that many lines).
 */
export function appendAll<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}
