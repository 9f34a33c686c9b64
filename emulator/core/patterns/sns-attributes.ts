/**
 * Turns SNS message attributes into the `{name: value}` object `matchesPattern` takes in
 * `sns-attributes` mode. SNS compares only String, String.Array and Number attributes and ignores
 * Binary ones (SNS "Filter policy constraints"). Custom-suffixed types (`String.foo`, `Number.int`)
 * follow their base type.
 * - String → the string value.
 * - String.Array → the parsed JSON array (elements may be strings, numbers, booleans or null); an
 *   unparsable array is left out (SNS rejects it at Publish anyway).
 * - Number → a JS number, so numeric operators and numeric exact values apply.
 */
export interface SnsMessageAttribute {
  DataType?: string;
  /** The SNS envelope / Lambda event spell the type `Type`. */
  Type?: string;
  StringValue?: string;
  Value?: string;
  BinaryValue?: unknown;
}

export function toFilterableAttributes(attrs: Record<string, SnsMessageAttribute> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, attr] of Object.entries(attrs ?? {})) {
    const type = attr.DataType ?? attr.Type ?? '';
    const text = attr.StringValue ?? attr.Value;
    if (text === undefined) continue;
    if (type === 'String.Array') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) out[name] = parsed;
      } catch {
        // not an array: ignored, as SNS would never have accepted it
      }
    } else if (type === 'Number' || type.startsWith('Number.')) {
      const n = Number(text);
      if (Number.isFinite(n)) out[name] = n;
    } else if (type === 'String' || type.startsWith('String.')) {
      out[name] = text;
    }
  }
  return out;
}
