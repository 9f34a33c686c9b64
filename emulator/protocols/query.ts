import { NormalizedSchema } from '@smithy/core/schema';
import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import type { OperationModel, ServiceModel, Schema } from './model';
import type { Codec, WireRequest, WireResponse } from './types';
import { unknownOperation } from './errors';
import { readScalar } from './values';
import { escapeXmlText, unwrapRoot } from './xml';
import { flatStringPlan, writeFlatStrings } from './flat-xml';
import { requiredMemberError } from './required';

/**
 * The AWS Query protocol (SNS everywhere; SQS, CloudWatch, IAM, STS on older clients): a form body
 * `Action=…&Version=…&Name.member.1=…`, answered with `<XResponse><XResult>…</XResult>` XML.
 * Form keys are read back into the input shape with the same naming rules the SDK's QueryShapeSerializer writes.
 */
export function queryCodec(model: ServiceModel, xmlNamespace: string): Codec {
  return {
    async decode(req: WireRequest) {
      const params = await queryParams(req);
      const operation = params.get('Action') ?? '';
      const op = model.operations.get(operation);
      if (!op) throw unknownOperation(operation || '(no Action)');
      const input = (readForm(op.input, formOf(params), '') ?? {}) as Record<string, unknown>;
      return { operation, input, invalid: requiredMemberError(model.namespace, op.input, input) };
    },

    encode(operation: string, output: unknown, ctx: RequestContext): WireResponse {
      const op = model.operations.get(operation)!;
      let inner = '';
      const { hasOutput, hasMembers } = outputShape(op);
      if (hasMembers && output && typeof output === 'object') {
        const plan = flatStringPlan(op);
        const flat = plan && writeFlatStrings(plan, output as Record<string, unknown>);
        if (flat !== undefined) inner = flat;
        else {
          const ser = new XmlShapeSerializer({
            serviceNamespace: model.namespace,
            xmlNamespace,
            timestampFormat: { useTrait: true, default: 5 },
          });
          ser.write(op.output, output);
          inner = unwrapRoot(String(ser.flush()));
        }
      }
      // Clients expect the Result element whenever the operation has an output shape, even an empty one or one
      // without members (botocore fails on a ReceiveMessage answer without <ReceiveMessageResult/>, and on SNS
      // TagResource without <TagResourceResult/>); operations whose output is the unit type have none.
      const result = hasOutput ? `<${operation}Result>${inner}</${operation}Result>` : '';
      const body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${xmlNamespace}">${result}` +
        `<ResponseMetadata><RequestId>${ctx.requestId}</RequestId></ResponseMetadata></${operation}Response>`;
      return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': ctx.requestId }, body };
    },

    encodeError(err: AwsError, ctx: RequestContext): WireResponse {
      const code = model.errors.get(err.code)?.queryCode ?? err.code;
      const body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${err.fault}</Type>` +
        `<Code>${escapeXmlText(code)}</Code><Message>${escapeXmlText(err.message)}</Message></Error>` +
        `<RequestId>${ctx.requestId}</RequestId></ErrorResponse>`;
      return { status: err.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': ctx.requestId }, body };
    },
  };
}

/** Whether an operation has an output structure (not the unit type), and whether it has members; once per operation. */
const outputShapeByOp = new WeakMap<OperationModel, { hasOutput: boolean; hasMembers: boolean }>();
function outputShape(op: OperationModel): { hasOutput: boolean; hasMembers: boolean } {
  let shape = outputShapeByOp.get(op);
  if (shape === undefined) {
    const outputSchema = NormalizedSchema.of(op.output);
    const hasOutput = outputSchema.isStructSchema();
    shape = { hasOutput, hasMembers: hasOutput && Object.keys(outputSchema.getMemberSchemas()).length > 0 };
    outputShapeByOp.set(op, shape);
  }
  return shape;
}

export async function queryParams(req: WireRequest): Promise<Map<string, string>> {
  const params = new Map<string, string>(req.query);
  const text = (await req.body()).toString('utf8');
  if (text) for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

/** A form's parameters, with their keys sorted so a prefix is found by binary search. */
interface Form {
  params: Map<string, string>;
  sortedKeys: string[];
}

const formOf = (params: Map<string, string>): Form => ({ params, sortedKeys: [...params.keys()].sort() });

/**
 * True when some form key is `prefix` or starts with `prefix.` (so absent structures stay absent). Asked once per
 * list item and structure: a scan of every key made a PutMetricData of 1000 data points with 150 values each
 * (which AWS accepts) take half an hour.
 */
function hasPrefix(form: Form, prefix: string): boolean {
  if (form.params.has(prefix)) return true;
  const start = `${prefix}.`;
  const keys = form.sortedKeys;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < keys.length && keys[lo]!.startsWith(start);
}

const keyName = (memberName: string, traits: Record<string, any>): string => traits.xmlName ?? memberName;

function readForm(schema: Schema, form: Form, prefix: string): unknown {
  const ns = NormalizedSchema.of(schema);
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const key = `${prefix ? `${prefix}.` : ''}${keyName(name, member.getMergedTraits())}`;
      const value = readForm(member, form, key);
      if (value !== undefined) out[name] = value;
    }
    return prefix && Object.keys(out).length === 0 && !hasPrefix(form, prefix) ? undefined : out;
  }
  if (ns.isListSchema()) {
    const item = ns.getValueSchema();
    const flat = !!ns.getMergedTraits().xmlFlattened;
    const base = flat ? prefix : `${prefix}.${keyName('member', item.getMergedTraits())}`;
    const out: unknown[] = [];
    for (let i = 1; hasPrefix(form, `${base}.${i}`); i++) out.push(readForm(item, form, `${base}.${i}`));
    // An empty list is sent as `Name=` (serializeEmptyLists).
    if (out.length === 0) return form.params.has(prefix) ? [] : undefined;
    return out;
  }
  if (ns.isMapSchema()) {
    const flat = !!ns.getMergedTraits().xmlFlattened;
    const keyPart = keyName('key', ns.getKeySchema().getMergedTraits());
    const valuePart = keyName('value', ns.getValueSchema().getMergedTraits());
    const out: Record<string, unknown> = {};
    for (let i = 1; ; i++) {
      const entry = flat ? `${prefix}.${i}` : `${prefix}.entry.${i}`;
      if (!hasPrefix(form, entry)) break;
      const k = form.params.get(`${entry}.${keyPart}`);
      if (k === undefined) {
        throw new AwsError('InvalidParameterValue', `${entry}.${keyPart} is missing.`, 400);
      }
      out[k] = readForm(ns.getValueSchema(), form, `${entry}.${valuePart}`);
    }
    return Object.keys(out).length ? out : undefined;
  }
  const text = form.params.get(prefix);
  if (text === undefined) return undefined;
  return readScalar(ns, text, prefix);
}
