import { NormalizedSchema } from '@smithy/core/schema';
import type { Schema } from './model';

/** A request value whose type does not fit its member (the message is in the style of AWS's request parser). */
export class ShapeMismatch extends Error {
  override name = 'ShapeMismatch';
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);

/** The token a JSON parser would name the value by. */
function tokenOf(v: unknown): string {
  if (Array.isArray(v)) return 'Start of list';
  if (isPlainObject(v)) return 'Start of structure or map';
  if (typeof v === 'number' || typeof v === 'bigint') return 'NUMBER_VALUE';
  if (typeof v === 'boolean') return 'BOOLEAN_VALUE';
  if (v === null) return 'NULL_VALUE';
  return 'STRING_VALUE';
}

function mismatch(value: unknown, expected: string, path: string): ShapeMismatch {
  const token = tokenOf(value);
  const text = token.startsWith('Start of') ? `${token} found where not expected` : `${token} cannot be converted to ${expected}`;
  return new ShapeMismatch(`${text} (at ${path || 'the request body'}).`);
}

/** BigDecimal values arrive as the SDK's NumericValue (an object carrying the digits as a string). */
const isNumericValue = (v: unknown): boolean => isPlainObject(v) && typeof (v as { string?: unknown }).string === 'string' && (v as { type?: unknown }).type === 'bigDecimal';

/**
 * Checks a deserialized request input against its schema and returns it with null members dropped (AWS reads a
 * null member as absent). The SDK's deserializers pass a value of the wrong JSON or CBOR type straight through —
 * a number for a string member, a string for a list — and provider code would then fail on it, or store it and
 * fail later on every read. AWS's own request parsing refuses such a request; so does this.
 */
export function checkShape(schema: Schema, value: unknown, path = ''): unknown {
  const ns = NormalizedSchema.of(schema);
  if (ns.isDocumentSchema()) return value;
  if (ns.isStructSchema()) {
    if (!isPlainObject(value)) throw mismatch(value, 'Structure', path);
    for (const [name, member] of ns.structIterator()) {
      const v = value[name];
      if (v === undefined) continue;
      if (v === null) delete value[name];
      else value[name] = checkShape(member, v, path ? `${path}.${name}` : name);
    }
    return value;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) throw mismatch(value, 'List', path);
    const item = ns.getValueSchema();
    const sparse = !!ns.getMergedTraits().sparse;
    return value.map((v, i) => (v === null && sparse ? v : checkShape(item, v, `${path}[${i}]`)));
  }
  if (ns.isMapSchema()) {
    if (!isPlainObject(value)) throw mismatch(value, 'Map', path);
    const item = ns.getValueSchema();
    const sparse = !!ns.getMergedTraits().sparse;
    for (const [k, v] of Object.entries(value)) {
      if (v === null) {
        if (!sparse) delete value[k];
      } else value[k] = checkShape(item, v, `${path}.${k}`);
    }
    return value;
  }
  if (ns.isStringSchema()) {
    if (typeof value !== 'string') throw mismatch(value, 'String', path);
  } else if (ns.isBooleanSchema()) {
    if (typeof value !== 'boolean') throw mismatch(value, 'Boolean', path);
  } else if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    if (typeof value !== 'number' && typeof value !== 'bigint' && !isNumericValue(value)) throw mismatch(value, 'Number', path);
  } else if (ns.isTimestampSchema()) {
    if (!(value instanceof Date)) throw mismatch(value, 'Timestamp', path);
    if (Number.isNaN(value.getTime())) throw new ShapeMismatch(`Timestamp out of range (at ${path}).`);
  } else if (ns.isBlobSchema()) {
    if (!(value instanceof Uint8Array) && typeof value !== 'string') throw mismatch(value, 'Blob', path);
  }
  return value;
}
