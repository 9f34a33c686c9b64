import { uuid } from '../core/ids';
import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import { invalidToken } from './event-order';
import type { RequestContext } from '../core/context';
import type { Scope } from '../core/scope';
import { withoutScope, type Scoping } from './state';

/**
 * Saved Logs Insights queries (PutQueryDefinition and friends): a name, the query text and the log groups it
 * runs on. The emulator keeps them (Terraform's aws_cloudwatch_query_definition, the console's saved queries);
 * StartQuery runs query text (insights/).
 */
export interface QueryDefinition {
  queryDefinitionId: string;
  name: string;
  queryString: string;
  queryLanguage: string;
  logGroupNames?: string[];
  lastModified: number;
  /** Saved outside the emulator's own account and Region (state.ts, Scoping). */
  scope?: Scope;
}

const MAX_DEFINITIONS = 1000;
const PAGE = 1000;
const LANGUAGES = ['CWLI', 'SQL', 'PPL'];

const validation = (field: string, constraint: string) =>
  new AwsError('InvalidParameterException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`, 400);
const notFound = () => new AwsError('ResourceNotFoundException', 'The specified query definition does not exist.', 400);

export interface QueryDefinitionDeps {
  /** By id: ids are unique across Regions, each definition answers in its own only. */
  definitions: Map<string, QueryDefinition>;
  scoping: Scoping;
  now(): number;
  changed(id: string): void;
}

export function queryDefinitionOperations(d: QueryDefinitionDeps) {
  const owned = (ctx: RequestContext, id: string | undefined) => {
    const q = id === undefined ? undefined : d.definitions.get(id);
    return q && d.scoping.owns(ctx, q) ? q : undefined;
  };
  return {
    PutQueryDefinition(input: any, ctx: RequestContext) {
      const name = input.name;
      if (typeof name !== 'string' || name.length < 1 || name.length > 255) throw validation('name', 'Member must have length between 1 and 255');
      const queryString = input.queryString;
      if (typeof queryString !== 'string' || queryString.length < 1 || queryString.length > 10_000) {
        throw validation('queryString', 'Member must have length between 1 and 10000');
      }
      const queryLanguage = input.queryLanguage ?? 'CWLI';
      if (!LANGUAGES.includes(queryLanguage)) throw validation('queryLanguage', `Member must satisfy enum value set: [${LANGUAGES.join(', ')}]`);
      const id: string | undefined = input.queryDefinitionId;
      if (id !== undefined && !owned(ctx, id)) throw notFound();
      if (id === undefined && [...d.definitions.values()].filter((q) => d.scoping.owns(ctx, q)).length >= MAX_DEFINITIONS) throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);
      const queryDefinitionId = id ?? uuid();
      const groups: string[] | undefined = input.logGroupNames;
      d.definitions.set(queryDefinitionId, {
        queryDefinitionId,
        name,
        queryString,
        queryLanguage,
        ...(groups?.length ? { logGroupNames: [...groups] } : {}),
        lastModified: d.now(),
        ...d.scoping.field(ctx),
      });
      d.changed(queryDefinitionId);
      return { queryDefinitionId };
    },

    DescribeQueryDefinitions(input: any, ctx: RequestContext) {
      const prefix: string = input.queryDefinitionNamePrefix ?? '';
      const all = [...d.definitions.values()]
        .filter((q) => d.scoping.owns(ctx, q) && q.name.startsWith(prefix) && (input.queryLanguage === undefined || q.queryLanguage === input.queryLanguage))
        .sort((a, b) => a.name.localeCompare(b.name) || a.queryDefinitionId.localeCompare(b.queryDefinitionId));
      const { items, next } = offsetPage(all, input.nextToken, Math.min(input.maxResults ?? PAGE, PAGE), 'q', invalidToken);
      return {
        queryDefinitions: items.map((q) => ({ ...withoutScope(q), ...(q.logGroupNames ? { logGroupNames: [...q.logGroupNames] } : {}) })),
        nextToken: next,
      };
    },

    DeleteQueryDefinition(input: any, ctx: RequestContext) {
      if (!owned(ctx, input.queryDefinitionId)) throw notFound();
      d.definitions.delete(input.queryDefinitionId);
      d.changed(input.queryDefinitionId);
      return { success: true };
    },
  };
}
