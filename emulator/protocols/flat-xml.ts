import { NormalizedSchema } from '@smithy/core/schema';
import type { OperationModel } from './model';

/**
 * A fast path for the commonest Query-protocol answers (Publish, SendMessage, CreateTopic, …): outputs whose
 * members are all plain strings are written directly, exactly as the SDK's XmlShapeSerializer writes them
 * (`<Name>escaped text</Name>` per present member, in schema order), without building its node tree.
 * Anything else, and any value that is not a string, number or boolean, goes to the SDK's serializer.
 */

/** Per member: the input/output member name and the element the serializer names it. */
export type FlatStringPlan = { member: string; element: string }[];

const plans = new WeakMap<OperationModel, FlatStringPlan | null>();

/** The plan when every member of the operation's output is a plain string element; undefined otherwise. */
export function flatStringPlan(op: OperationModel): FlatStringPlan | undefined {
  let plan = plans.get(op);
  if (plan === undefined) {
    plan = buildPlan(op.output);
    plans.set(op, plan);
  }
  return plan ?? undefined;
}

function buildPlan(schema: unknown): FlatStringPlan | null {
  const ns = NormalizedSchema.of(schema as any);
  if (!ns.isStructSchema() || ns.isUnionSchema()) return null;
  const plan: FlatStringPlan = [];
  for (const [member, m] of ns.structIterator()) {
    const traits = m.getMergedTraits() as Record<string, unknown>;
    // Idempotency tokens are generated when absent; attributes and namespaces change the markup.
    if (!m.isStringSchema() || m.isIdempotencyToken() || traits.xmlAttribute || traits.xmlNamespace || traits.xmlFlattened) return null;
    plan.push({ member, element: (traits.xmlName as string | undefined) ?? m.getMemberName() });
  }
  return plan;
}

/** The elements the SDK's serializer writes inside the root for `value`; undefined when a value needs the SDK's own rules. */
export function writeFlatStrings(plan: FlatStringPlan, value: Record<string, unknown>): string | undefined {
  let out = '';
  for (const { member, element } of plan) {
    const v = value[member];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    out += `<${element}>${escapeElement(String(v))}</${element}>`;
  }
  return out;
}

/** @aws-sdk/xml-builder's escapeElement (not exported there), character for character. */
const ELEMENT_ESCAPE_RE = /[&"'<>\r\n\u0085\u2028]/g;
const ELEMENT_ESCAPE_MAP: Record<string, string> = {
  '&': '&amp;',
  '"': '&quot;',
  "'": '&apos;',
  '<': '&lt;',
  '>': '&gt;',
  '\r': '&#x0D;',
  '\n': '&#x0A;',
  '\u0085': '&#x85;',
  '\u2028': '&#x2028;',
};
const escapeElement = (text: string): string => text.replace(ELEMENT_ESCAPE_RE, (ch) => ELEMENT_ESCAPE_MAP[ch]!);
