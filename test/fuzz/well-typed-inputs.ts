import fc from 'fast-check';
import { NormalizedSchema } from '@smithy/core/schema';
import { requiredMembers, type Schema } from '../../emulator/protocols/model';
import type { SeededResources } from './well-typed-setup';
import { BLOBS, DATES, GENERIC_STRINGS, hintedStrings, MAP_KEYS, NUMBERS } from './well-typed-values';

/**
 * Inputs of the right types, built from an operation's input schema (the SDK's own): every string, number,
 * list, map, … has a value the type allows, picked to be adversarial (see well-typed-values.ts). Required
 * members are nearly always present, optional ones about half the time; nesting stops at MAX_DEPTH.
 */
const MAX_DEPTH = 6;

/** Enum values by name: the SDK exports each enum as a plain object of strings (`QueueAttributeName`, …). */
export function enumIndex(sdk: Record<string, unknown>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const [name, value] of Object.entries(sdk)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const values = Object.values(value);
    if (values.length > 0 && values.every((v) => typeof v === 'string')) index.set(name, values as string[]);
  }
  return index;
}

/** The enum a member most likely draws from: one named like the member, else the shortest name ending with it. */
function enumFor(member: string, enums: Map<string, string[]>, exactOnly = false): string[] | undefined {
  const exact = enums.get(member) ?? enums.get(member.replace(/s$/, ''));
  if (exact || exactOnly || member.length < 4) return exact;
  let best: string | undefined;
  for (const name of enums.keys()) if (name.endsWith(member) && (!best || name.length < best.length)) best = name;
  return best ? enums.get(best) : undefined;
}

export interface InputContext {
  enums: Map<string, string[]>;
  resources: SeededResources;
  /**
   * Plausible inputs take names, enum values and small numbers, and only now and then an adversarial value,
   * so they get past validation into the logic; adversarial ones draw from the whole pool everywhere.
   */
  plausible?: boolean;
}

const PLAIN_STRINGS = ['wt-x', 'a', 'value', '1', 'x-1'];
const PLAIN_NUMBERS = [0, 1, 2, 5, 10, 60, 300];

function stringArb(member: string, ctx: InputContext): fc.Arbitrary<string> {
  const { primary, hints } = hintedStrings(member, ctx.resources);
  const enumValues = enumFor(member, ctx.enums, primary.length > 0);
  if (ctx.plausible) {
    // The first rule that matched names the likeliest value (the seeded resource); later rules are broader.
    const plain = enumValues
      ? fc.constantFrom(...enumValues)
      : primary.length
        ? fc.oneof({ weight: 6, arbitrary: fc.constant(primary[0]!) }, { weight: 1, arbitrary: fc.constantFrom(...primary) })
        : fc.constantFrom(...PLAIN_STRINGS);
    const related = hints.length ? fc.constantFrom(...hints) : plain;
    return fc.oneof({ weight: 12, arbitrary: plain }, { weight: 3, arbitrary: related }, { weight: 1, arbitrary: fc.constantFrom(...GENERIC_STRINGS) });
  }
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 3, arbitrary: fc.constantFrom(...GENERIC_STRINGS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }) },
  ];
  if (hints.length) options.push({ weight: 6, arbitrary: fc.constantFrom(...hints) });
  if (enumValues) options.push({ weight: 6, arbitrary: fc.constantFrom(...enumValues, `${enumValues[0]}x`, enumValues[0]!.toLowerCase()) });
  return fc.oneof(...options);
}

const numberArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NUMBERS) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 5000 }) });
const plainNumberArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PLAIN_NUMBERS) }, { weight: 1, arbitrary: fc.constantFrom(...NUMBERS) });
const dateArb = fc.oneof(fc.constantFrom(...DATES), fc.constant(new Date(NaN)));
const plainDateArb = fc.integer({ min: -3600, max: 3600 }).map((s) => new Date(Date.now() + s * 1000));

function listArb(element: fc.Arbitrary<unknown>, depth: number, plausible?: boolean): fc.Arbitrary<readonly unknown[]> {
  if (plausible) return fc.oneof({ weight: 4, arbitrary: element.map((e) => [e]) }, { weight: 1, arbitrary: fc.array(element, { minLength: 0, maxLength: 3 }) });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 4, arbitrary: element.map((e) => [e]) },
    { weight: 3, arbitrary: fc.array(element, { minLength: 2, maxLength: 5 }) },
    { weight: 1, arbitrary: element.map((e) => [e, e, e]) },
    { weight: depth <= 2 ? 1 : 0, arbitrary: fc.array(element, { minLength: 101, maxLength: 120 }) },
  );
}

/** Header values Node's http client agrees to send (it refuses control characters and code points above 0xff). */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e]/g, '');

function valueArb(ns: NormalizedSchema, member: string, ctx: InputContext, depth: number): fc.Arbitrary<unknown> {
  const traits = ns.getMergedTraits();
  if (ns.isStringSchema() && (traits.httpHeader || traits.httpPrefixHeaders)) return stringArb(member, ctx).map(headerSafe);
  if (ns.isMapSchema() && traits.httpPrefixHeaders) {
    return fc.dictionary(fc.constantFrom('a', 'k', 'x-y', 'UPPER', ''), stringArb(member, ctx).map(headerSafe), { maxKeys: 3 });
  }
  if (ns.isBlobSchema() || ns.isStreaming()) return fc.oneof(fc.constantFrom(...BLOBS), stringArb(member, ctx).map((s) => Buffer.from(s)));
  if (ns.isStringSchema()) return stringArb(member, ctx);
  if (ns.isBooleanSchema()) return fc.boolean();
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) return ctx.plausible ? plainNumberArb : numberArb;
  if (ns.isTimestampSchema()) return ctx.plausible ? plainDateArb : dateArb;
  if (ns.isDocumentSchema()) return fc.jsonValue({ maxDepth: 2 });
  if (ns.isListSchema()) {
    if (depth > MAX_DEPTH) return fc.constant([]);
    return listArb(valueArb(ns.getValueSchema(), member.replace(/s$/, ''), ctx, depth + 1), depth, ctx.plausible);
  }
  if (ns.isMapSchema()) {
    if (depth > MAX_DEPTH) return fc.constant({});
    const keyEnum = enumFor(member.replace(/s$/, '') + 'Name', ctx.enums) ?? enumFor(member, ctx.enums) ?? [];
    const key = fc.constantFrom(...MAP_KEYS, ...keyEnum);
    const value = valueArb(ns.getValueSchema(), member, ctx, depth + 1);
    if (ctx.plausible) return fc.dictionary(keyEnum.length ? fc.constantFrom(...keyEnum) : key, value, { minKeys: 1, maxKeys: 2 });
    return fc.oneof(
      { weight: 5, arbitrary: fc.dictionary(key, value, { maxKeys: 4 }) },
      { weight: 1, arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), value, { minKeys: 51, maxKeys: 60 }) },
    );
  }
  if (ns.isStructSchema()) return structArb(ns, ctx, depth);
  return fc.constant(undefined);
}

function structArb(ns: NormalizedSchema, ctx: InputContext, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (depth > MAX_DEPTH) return fc.constant({});
  // Content-Length is framing, not service logic: a wrong one makes the server wait for bytes never sent.
  const members = [...ns.structIterator()].filter(([, m]) => !m.isIdempotencyToken() && !/^content-length$/i.test(String(m.getMergedTraits().httpHeader ?? '')));
  if (members.length === 0) return fc.constant({});
  if (ns.isUnionSchema()) {
    return fc.oneof(...members.map(([name, m]) => valueArb(m, name, ctx, depth + 1).map((v) => ({ [name]: v }))));
  }
  const required = requiredMembers(ns.getSchema());
  // A made-up page token or marker only earns an InvalidParameter; plausible inputs start from the first page.
  const model = Object.fromEntries(
    members.map(([name, m]) => [name, ctx.plausible && !required.has(name) && /token$|marker$/i.test(name) ? fc.constant(undefined) : valueArb(m, name, ctx, depth + 1)]),
  );
  return fc.record(model, { requiredKeys: members.map(([name]) => name).filter((n) => required.has(n)) });
}

/** Inputs for one operation: mostly as built, sometimes with one top-level member (required or not) dropped. */
export function operationInputs(inputSchema: Schema, ctx: InputContext): fc.Arbitrary<Record<string, unknown>> {
  const schema = NormalizedSchema.of(inputSchema);
  const whole = fc.oneof({ weight: 2, arbitrary: structArb(schema, { ...ctx, plausible: true }, 0) }, { weight: 1, arbitrary: structArb(schema, { ...ctx, plausible: false }, 0) });
  const dropped = whole.chain((input) => {
    const keys = Object.keys(input);
    if (!keys.length) return fc.constant(input);
    return fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(input).filter(([key]) => key !== k)));
  });
  return fc.oneof({ weight: 9, arbitrary: whole }, { weight: 1, arbitrary: dropped });
}
