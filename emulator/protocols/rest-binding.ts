import { NormalizedSchema } from '@smithy/core/schema';
import { Readable } from 'node:stream';
import type { OperationModel, ServiceModel } from './model';
import { memberNames, requiredMembers } from './model';
import type { WireRequest, WireResponse } from './types';
import { invalidParameterValue, readHeaderValue, readScalar, writeHeaderValue, type InvalidValue } from './values';
import { RESPONSE_META, type ResponseMeta } from '../core/service';

/**
 * HTTP bindings shared by REST-XML (S3) and REST-JSON (Lambda): matching a request to an operation by its
 * `http` trait, and moving members between the input/output shapes and labels, query, headers and payload.
 * The document body (XML or JSON) is left to the caller.
 */

export interface RouteMatch {
  op: OperationModel;
  labels: Record<string, string>;
}

interface Candidate {
  op: OperationModel;
  http: NonNullable<OperationModel['http']>;
  segments: string[];
  /** Has the S3 bucket label outside the template. */
  bucketLevel: boolean;
  /**
   * Required members bound to a query key or header (lower-cased): present ones raise the score, a missing one
   * rules the candidate out. Worked out the first time a request gets this far (reading every member's traits of
   * every operation up front cost ~20 ms of the emulator's first requests, for operations most runs never see).
   */
  requiredBindings?: RequiredBinding[];
  literalSegments: number;
}

type RequiredBinding = { query?: string; header?: string };

export class RestRouter {
  /** Candidates by HTTP method, in model order (ties go to the first, as before). */
  private readonly byMethod = new Map<string, Candidate[]>();

  constructor(model: ServiceModel, private readonly bucketLabel = false) {
    for (const op of model.operations.values()) {
      if (!op.http) continue;
      const segments = op.http.path.split('/').filter(Boolean);
      const candidate: Candidate = {
        op,
        http: op.http,
        segments,
        bucketLevel: bucketLabel && hasBucketLabel(op.input),
        literalSegments: segments.filter((s) => !s.startsWith('{')).length,
      };
      const list = this.byMethod.get(op.http.method) ?? [];
      list.push(candidate);
      this.byMethod.set(op.http.method, list);
    }
  }

  /** Finds the operation; `pathSegments` are the decoded segments after any S3 bucket. */
  match(req: WireRequest, pathSegments: string[], bucket: string | undefined): RouteMatch | undefined {
    let best: { score: number; match: RouteMatch } | undefined;
    for (const c of this.byMethod.get(req.method) ?? []) {
      const http = c.http;
      if (this.bucketLabel && c.bucketLevel !== (bucket !== undefined)) continue;
      // The literal query keys first: they rule out most candidates (GetObjectAcl, …) before any path work.
      if (!hasQueryLiterals(http.query, req.query)) continue;
      const labels = matchPath(c.segments, pathSegments);
      if (!labels) continue;
      let satisfied = 0;
      let missing = false;
      for (const b of (c.requiredBindings ??= requiredBindingsOf(c.op))) {
        if (b.query !== undefined) req.query.has(b.query) ? satisfied++ : (missing = true);
        else req.headers[b.header!] !== undefined ? satisfied++ : (missing = true);
      }
      if (missing) continue;
      // `x-id` (which the SDKs add, naming the operation) only breaks a tie: ListBuckets and ListDirectoryBuckets
      // are both `GET /`.
      const named = req.query.get('x-id') === c.op.name ? 0.5 : 0;
      const score = http.query.length * 100 + satisfied * 10 + c.literalSegments + named;
      if (!best || score > best.score) {
        if (bucket !== undefined) labels.Bucket = bucket;
        best = { score, match: { op: c.op, labels } };
      }
    }
    return best?.match;
  }
}

/** S3: the input's `Bucket` member is an HTTP label (the SDK puts the bucket in the host or the path, not in the template). */
function hasBucketLabel(input: OperationModel['input']): boolean {
  return memberNames(input).includes('Bucket') && !!NormalizedSchema.of(input).getMemberSchema('Bucket').getMergedTraits().httpLabel;
}

function requiredBindingsOf(op: OperationModel): RequiredBinding[] {
  const required = requiredMembers(op.input);
  const bindings: RequiredBinding[] = [];
  for (const [name, t] of memberTraits(op.input)) {
    if (!required.has(name)) continue;
    if (t.httpQuery) bindings.push({ query: t.httpQuery });
    else if (t.httpHeader) bindings.push({ header: String(t.httpHeader).toLowerCase() });
  }
  return bindings;
}

/** Whether the request's query has every literal key (and value, where the template gives one). */
function hasQueryLiterals(literals: [string, string | undefined][], query: URLSearchParams): boolean {
  for (const [k, v] of literals) if (!query.has(k) || (v !== undefined && query.get(k) !== v)) return false;
  return true;
}

function matchPath(template: string[], actual: string[]): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    if (t.startsWith('{') && t.endsWith('+}')) {
      const rest = actual.length - i === 1 ? actual[i]! : actual.slice(i).join('/');
      if (i >= actual.length || rest === '') return undefined;
      labels[t.slice(1, -2)] = rest;
      return labels;
    }
    const a = actual[i];
    if (a === undefined) return undefined;
    if (t.startsWith('{')) labels[t.slice(1, -1)] = a;
    else if (t !== a) return undefined;
  }
  return actual.length === template.length ? labels : undefined;
}

export function memberTraits(schema: unknown): [string, Record<string, any>][] {
  const ns = NormalizedSchema.of(schema as any);
  if (!ns.isStructSchema()) return [];
  return [...ns.structIterator()].map(([name, m]) => [name, m.getMergedTraits() as Record<string, any>]);
}

/** How one member of an input or output structure is bound to HTTP (the first trait that applies, in this order). */
const enum InputBinding {
  Label,
  Query,
  QueryParams,
  Header,
  PrefixHeaders,
  Payload,
  HostLabel,
  Unbound,
}
const enum OutputBinding {
  Payload,
  Header,
  PrefixHeaders,
  ResponseCode,
  Document,
}

interface BoundMember {
  name: string;
  member: NormalizedSchema;
  traits: Record<string, any>;
  input: InputBinding;
  output: OutputBinding;
  isList: boolean;
  /** httpHeader, lower-cased. */
  header?: string;
}

interface StructPlan {
  isStruct: boolean;
  members: BoundMember[];
}

function inputBinding(t: Record<string, any>): InputBinding {
  if (t.httpLabel) return InputBinding.Label;
  if (t.httpQuery) return InputBinding.Query;
  if (t.httpQueryParams) return InputBinding.QueryParams;
  if (t.httpHeader) return InputBinding.Header;
  if (t.httpPrefixHeaders !== undefined) return InputBinding.PrefixHeaders;
  if (t.httpPayload) return InputBinding.Payload;
  return t.hostLabel ? InputBinding.HostLabel : InputBinding.Unbound;
}

function outputBinding(t: Record<string, any>): OutputBinding {
  if (t.httpPayload) return OutputBinding.Payload;
  if (t.httpHeader) return OutputBinding.Header;
  if (t.httpPrefixHeaders !== undefined) return OutputBinding.PrefixHeaders;
  if (t.httpResponseCode) return OutputBinding.ResponseCode;
  return OutputBinding.Document;
}

/**
 * The members of an operation's input or output with their bindings, computed once per operation (the
 * schemas are static): walking the schema and merging traits on every request cost more than the request.
 */
const inputPlans = new WeakMap<OperationModel, StructPlan>();
const outputPlans = new WeakMap<OperationModel, StructPlan>();

function planOf(schema: unknown): StructPlan {
  const ns = NormalizedSchema.of(schema as any);
  if (!ns.isStructSchema()) return { isStruct: false, members: [] };
  const members: BoundMember[] = [];
  for (const [name, member] of ns.structIterator()) {
    const traits = member.getMergedTraits() as Record<string, any>;
    members.push({
      name,
      member,
      traits,
      input: inputBinding(traits),
      output: outputBinding(traits),
      isList: member.isListSchema(),
      header: traits.httpHeader ? String(traits.httpHeader).toLowerCase() : undefined,
    });
  }
  return { isStruct: true, members };
}

function inputPlan(op: OperationModel): StructPlan {
  let plan = inputPlans.get(op);
  if (!plan) inputPlans.set(op, (plan = planOf(op.input)));
  return plan;
}

function outputPlan(op: OperationModel): StructPlan {
  let plan = outputPlans.get(op);
  if (!plan) outputPlans.set(op, (plan = planOf(op.output)));
  return plan;
}

/** Whether the output has members that belong in a document body (so an empty list still renders a document). */
export function hasDocumentMembers(op: OperationModel): boolean {
  return outputPlan(op).members.some((m) => m.output === OutputBinding.Document);
}

export interface BoundInputOptions {
  /** The error for a label, query parameter or header whose text is not of its member's type. */
  invalid?: InvalidValue;
  /** Timestamp headers (lower-case) whose unparseable value is ignored, as HTTP asks of conditional request dates. */
  lenientDateHeaders?: ReadonlySet<string>;
}

/** Fills the bound members of the input; returns the payload member, if any, for the caller to read. */
export async function readBoundInput(
  op: OperationModel,
  req: WireRequest,
  labels: Record<string, string>,
  { invalid = invalidParameterValue, lenientDateHeaders }: BoundInputOptions = {},
): Promise<{ input: Record<string, unknown>; payloadMember?: [string, NormalizedSchema]; hasUnbound: boolean }> {
  const input: Record<string, unknown> = {};
  const plan = inputPlan(op);
  let payloadMember: [string, NormalizedSchema] | undefined;
  let hasUnbound = false;
  let boundQueryKeys: Set<string> | undefined;
  let queryMapMember: [string, NormalizedSchema] | undefined;
  if (!plan.isStruct) return { input, hasUnbound };
  const { query, headers } = req;
  for (const m of plan.members) {
    const { name, member, traits: t } = m;
    switch (m.input) {
      case InputBinding.Label:
        if (labels[name] !== undefined) input[name] = readScalar(member, labels[name], name, invalid);
        break;
      case InputBinding.Query: {
        (boundQueryKeys ??= new Set()).add(t.httpQuery);
        if (m.isList) {
          const all = query.getAll(t.httpQuery);
          if (all.length) input[name] = all.map((v) => readScalar(member.getValueSchema(), v, t.httpQuery, invalid));
        } else {
          const v = query.get(t.httpQuery);
          if (v !== null) input[name] = readScalar(member, v, t.httpQuery, invalid);
        }
        break;
      }
      case InputBinding.QueryParams:
        queryMapMember = [name, member];
        break;
      case InputBinding.Header: {
        const v = headers[m.header!];
        if (v === undefined) break;
        const text = Array.isArray(v) ? v.join(',') : v;
        if (lenientDateHeaders?.has(m.header!) && Number.isNaN(Date.parse(text))) break;
        input[name] = readHeaderValue(member, text, t.httpHeader, invalid);
        break;
      }
      case InputBinding.PrefixHeaders: {
        const prefix = String(t.httpPrefixHeaders).toLowerCase();
        const map: Record<string, string> = {};
        for (const [h, v] of Object.entries(headers)) {
          if (h.startsWith(prefix) && v !== undefined) map[h.slice(prefix.length)] = Array.isArray(v) ? v.join(',') : v;
        }
        if (Object.keys(map).length) input[name] = map;
        break;
      }
      case InputBinding.Payload:
        payloadMember = [name, member];
        break;
      case InputBinding.Unbound:
        hasUnbound = true;
        break;
    }
  }
  if (queryMapMember) {
    const map: Record<string, string> = {};
    for (const [k, v] of query) if (!boundQueryKeys?.has(k)) map[k] = v;
    if (Object.keys(map).length) input[queryMapMember[0]] = map;
  }
  return { input, payloadMember, hasUnbound };
}

/** Reads a non-document payload member (streaming blob, blob, string); undefined for structures. */
export async function readRawPayload(member: NormalizedSchema, req: WireRequest): Promise<unknown> {
  if (member.isStreaming() || (member.isBlobSchema() && member.getMergedTraits().streaming)) return req.stream;
  if (member.isBlobSchema()) return req.body();
  if (member.isStringSchema()) return (await req.body()).toString('utf8');
  return undefined;
}

export interface BoundOutput {
  status: number;
  headers: Record<string, string>;
  /** The payload member's value when the output has one (raw, or a structure to serialize). */
  payload?: { name: string; schema: NormalizedSchema; value: unknown };
  /** Members to put in the document body when there is no payload member. */
  document: Record<string, unknown>;
}

export function writeBoundOutput(op: OperationModel, output: any): BoundOutput {
  const meta: ResponseMeta = output?.[RESPONSE_META] ?? {};
  const result: BoundOutput = { status: meta.status ?? op.http?.code ?? 200, headers: { ...(meta.headers ?? {}) }, document: {} };
  const plan = outputPlan(op);
  if (!plan.isStruct || !output) return result;
  for (const m of plan.members) {
    const { name, member } = m;
    const value = output[name];
    if (m.output === OutputBinding.Payload) {
      result.payload = { name, schema: member, value };
      continue;
    }
    if (value === undefined || value === null) continue;
    switch (m.output) {
      case OutputBinding.Header: {
        const v = writeHeaderValue(member, value);
        if (v !== undefined) result.headers[m.header!] = v;
        break;
      }
      case OutputBinding.PrefixHeaders:
        for (const [k, v] of Object.entries(value as Record<string, string>)) result.headers[`${m.traits.httpPrefixHeaders}${k}`.toLowerCase()] = String(v);
        break;
      case OutputBinding.ResponseCode:
        result.status = Number(value);
        break;
      default:
        result.document[name] = value;
    }
  }
  return result;
}

/** A raw payload (blob/string/stream) as a response body. */
export function rawBody(value: unknown): WireResponse['body'] {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Readable || Buffer.isBuffer(value) || typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return String(value);
}

/** Decoded path segments (S3 keys may contain encoded slashes; each segment decodes on its own). */
export function pathSegments(rawPath: string): string[] {
  return rawPath.split('/').slice(1).map((s) => decodeURIComponent(s));
}
