import { NormalizedSchema } from '@smithy/core/schema';

/**
 * A service's API model, read from the official SDK client's own static schemas (`SendMessage$`,
 * `NoSuchKey$`, …), so every operation parses and serializes exactly as the clients expect.
 */
export type Schema = any;

export interface HttpBinding {
  method: string;
  /** Path template, e.g. `/{Key+}` or `/2015-03-31/functions/{FunctionName}/invocations`. */
  path: string;
  /** Literal query keys (and values) the template requires, e.g. `uploads`, `list-type=2`. `x-id` excluded. */
  query: [string, string | undefined][];
  code: number;
}

export interface OperationModel {
  name: string;
  input: Schema;
  output: Schema;
  http?: HttpBinding;
}

export interface ErrorModel {
  name: string;
  status: number;
  /** Legacy Query code (SQS: `AWS.SimpleQueueService.NonExistentQueue`). */
  queryCode?: string;
  schema: Schema;
}

export interface ServiceModel {
  namespace: string;
  operations: Map<string, OperationModel>;
  errors: Map<string, ErrorModel>;
}

const OPERATION = 9;
const ERROR = -3;

function parseHttpTrait(trait: unknown): HttpBinding | undefined {
  if (!Array.isArray(trait)) return undefined;
  const [method, uri, code] = trait as [string, string, number];
  const [path, qs] = uri.split('?', 2) as [string, string | undefined];
  const query: [string, string | undefined][] = [];
  for (const part of (qs ?? '').split('&').filter(Boolean)) {
    const [k, v] = part.split('=', 2) as [string, string | undefined];
    if (k !== 'x-id') query.push([k, v]);
  }
  return { method, path, query, code };
}

export function loadServiceModel(sdkModule: Record<string, unknown>): ServiceModel {
  const operations = new Map<string, OperationModel>();
  const errors = new Map<string, ErrorModel>();
  let namespace = '';
  for (const [exportName, value] of Object.entries(sdkModule)) {
    if (!exportName.endsWith('$') || !Array.isArray(value)) continue;
    if (value[0] === OPERATION) {
      const [, ns, name, traits, input, output] = value as [number, string, string, any, Schema, Schema];
      namespace = ns;
      operations.set(name, { name, input, output, http: parseHttpTrait(traits?.http) });
    } else if (value[0] === ERROR) {
      const [, , name, traits] = value as [number, string, string, any];
      errors.set(name, {
        name,
        status: traits?.httpError ?? (traits?.error === 'server' ? 500 : 400),
        queryCode: traits?.awsQueryError?.[0],
        schema: value,
      });
    }
  }
  return { namespace, operations, errors };
}

/** A structure schema's own array (`[3, namespace, name, traits, memberNames, memberSchemas, requiredCount]`). */
function structArray(structSchema: Schema): any[] | undefined {
  const raw = typeof structSchema === 'function' ? structSchema() : structSchema;
  const ns = NormalizedSchema.of(structSchema).getSchema() as any;
  const arr = Array.isArray(raw) ? raw : Array.isArray(ns) ? ns : undefined;
  return arr && arr[0] === 3 ? arr : undefined;
}

/** Names of a structure's members, in model order, read without building every member's schema. */
export function memberNames(structSchema: Schema): string[] {
  return structArray(structSchema)?.[4] ?? [];
}

/** Names of the members that must be present (the SDK lists required members first). */
export function requiredMembers(structSchema: Schema): Set<string> {
  const arr = structArray(structSchema);
  return new Set(arr ? (arr[4] ?? []).slice(0, arr[6] ?? 0) : []);
}

export const memberEntries = (schema: Schema): [string, NormalizedSchema][] => {
  const ns = NormalizedSchema.of(schema);
  return ns.isStructSchema() ? [...ns.structIterator()] : [];
};
