import { NormalizedSchema } from '@smithy/core/schema';
import { Readable } from 'node:stream';
import type { OperationModel, ServiceModel } from './model';
import { requiredMembers } from './model';
import type { WireRequest, WireResponse } from './types';
import { readHeaderValue, readScalar, writeHeaderValue } from './values';
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
  segments: string[];
  /** Has the S3 bucket label outside the template. */
  bucketLevel: boolean;
}

export class RestRouter {
  private readonly candidates: Candidate[] = [];

  constructor(model: ServiceModel, private readonly bucketLabel = false) {
    for (const op of model.operations.values()) {
      if (!op.http) continue;
      const hasBucket = bucketLabel && memberTraits(op.input).some(([n, t]) => n === 'Bucket' && t.httpLabel);
      this.candidates.push({ op, segments: op.http.path.split('/').filter(Boolean), bucketLevel: hasBucket });
    }
  }

  /** Finds the operation; `pathSegments` are the decoded segments after any S3 bucket. */
  match(req: WireRequest, pathSegments: string[], bucket: string | undefined): RouteMatch | undefined {
    let best: { score: number; match: RouteMatch } | undefined;
    for (const c of this.candidates) {
      const http = c.op.http!;
      if (http.method !== req.method) continue;
      if (this.bucketLabel && c.bucketLevel !== (bucket !== undefined)) continue;
      const labels = matchPath(c.segments, pathSegments);
      if (!labels) continue;
      if (!http.query.every(([k, v]) => req.query.has(k) && (v === undefined || req.query.get(k) === v))) continue;
      const required = requiredMembers(c.op.input);
      let satisfied = 0;
      let missing = false;
      for (const [name, traits] of memberTraits(c.op.input)) {
        if (!required.has(name)) continue;
        if (traits.httpQuery) req.query.has(traits.httpQuery) ? satisfied++ : (missing = true);
        else if (traits.httpHeader) req.headers[traits.httpHeader.toLowerCase()] !== undefined ? satisfied++ : (missing = true);
      }
      if (missing) continue;
      const literalSegments = c.segments.filter((s) => !s.startsWith('{')).length;
      const score = http.query.length * 100 + satisfied * 10 + literalSegments;
      if (!best || score > best.score) {
        if (bucket !== undefined) labels.Bucket = bucket;
        best = { score, match: { op: c.op, labels } };
      }
    }
    return best?.match;
  }
}

function matchPath(template: string[], actual: string[]): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    if (t.startsWith('{') && t.endsWith('+}')) {
      const rest = actual.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      labels[t.slice(1, -2)] = rest.join('/');
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

/** Fills the bound members of the input; returns the payload member, if any, for the caller to read. */
export async function readBoundInput(
  op: OperationModel,
  req: WireRequest,
  labels: Record<string, string>,
): Promise<{ input: Record<string, unknown>; payloadMember?: [string, NormalizedSchema]; hasUnbound: boolean }> {
  const input: Record<string, unknown> = {};
  const ns = NormalizedSchema.of(op.input);
  let payloadMember: [string, NormalizedSchema] | undefined;
  let hasUnbound = false;
  const boundQueryKeys = new Set<string>();
  let queryMapMember: [string, NormalizedSchema] | undefined;
  if (!ns.isStructSchema()) return { input, hasUnbound };
  for (const [name, member] of ns.structIterator()) {
    const t = member.getMergedTraits() as Record<string, any>;
    if (t.httpLabel) {
      if (labels[name] !== undefined) input[name] = readScalar(member, labels[name], name);
    } else if (t.httpQuery) {
      boundQueryKeys.add(t.httpQuery);
      if (member.isListSchema()) {
        const all = req.query.getAll(t.httpQuery);
        if (all.length) input[name] = all.map((v) => readScalar(member.getValueSchema(), v, name));
      } else {
        const v = req.query.get(t.httpQuery);
        if (v !== null) input[name] = readScalar(member, v, name);
      }
    } else if (t.httpQueryParams) {
      queryMapMember = [name, member];
    } else if (t.httpHeader) {
      const v = req.headers[t.httpHeader.toLowerCase()];
      if (v !== undefined) input[name] = readHeaderValue(member, Array.isArray(v) ? v.join(',') : v, t.httpHeader);
    } else if (t.httpPrefixHeaders !== undefined) {
      const prefix = String(t.httpPrefixHeaders).toLowerCase();
      const map: Record<string, string> = {};
      for (const [h, v] of Object.entries(req.headers)) {
        if (h.startsWith(prefix) && v !== undefined) map[h.slice(prefix.length)] = Array.isArray(v) ? v.join(',') : v;
      }
      if (Object.keys(map).length) input[name] = map;
    } else if (t.httpPayload) {
      payloadMember = [name, member];
    } else if (!t.hostLabel) {
      hasUnbound = true;
    }
  }
  if (queryMapMember) {
    const map: Record<string, string> = {};
    for (const [k, v] of req.query) if (!boundQueryKeys.has(k)) map[k] = v;
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
  const ns = NormalizedSchema.of(op.output);
  if (!ns.isStructSchema() || !output) return result;
  for (const [name, member] of ns.structIterator()) {
    const value = output[name];
    const t = member.getMergedTraits() as Record<string, any>;
    if (t.httpPayload) {
      result.payload = { name, schema: member, value };
      continue;
    }
    if (value === undefined || value === null) continue;
    if (t.httpHeader) {
      const v = writeHeaderValue(member, value);
      if (v !== undefined) result.headers[t.httpHeader.toLowerCase()] = v;
    } else if (t.httpPrefixHeaders !== undefined) {
      for (const [k, v] of Object.entries(value as Record<string, string>)) result.headers[`${t.httpPrefixHeaders}${k}`.toLowerCase()] = String(v);
    } else if (t.httpResponseCode) {
      result.status = Number(value);
    } else {
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
