import { uuid } from '../core/ids';
import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import { invalidToken } from './event-order';

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
}

const MAX_DEFINITIONS = 1000;
const PAGE = 1000;
const LANGUAGES = ['CWLI', 'SQL', 'PPL'];

const validation = (field: string, constraint: string) =>
  new AwsError('InvalidParameterException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`, 400);
const notFound = () => new AwsError('ResourceNotFoundException', 'The specified query definition does not exist.', 400);

export interface QueryDefinitionDeps {
  definitions: Map<string, QueryDefinition>;
  now(): number;
  changed(id: string): void;
}

export function queryDefinitionOperations(d: QueryDefinitionDeps) {
  return {
    PutQueryDefinition(input: any) {
      const name = input.name;
      if (typeof name !== 'string' || name.length < 1 || name.length > 255) throw validation('name', 'Member must have length between 1 and 255');
      const queryString = input.queryString;
      if (typeof queryString !== 'string' || queryString.length < 1 || queryString.length > 10_000) {
        throw validation('queryString', 'Member must have length between 1 and 10000');
      }
      const queryLanguage = input.queryLanguage ?? 'CWLI';
      if (!LANGUAGES.includes(queryLanguage)) throw validation('queryLanguage', `Member must satisfy enum value set: [${LANGUAGES.join(', ')}]`);
      const id: string | undefined = input.queryDefinitionId;
      if (id !== undefined && !d.definitions.has(id)) throw notFound();
      if (id === undefined && d.definitions.size >= MAX_DEFINITIONS) throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);
      const queryDefinitionId = id ?? uuid();
      const groups: string[] | undefined = input.logGroupNames;
      d.definitions.set(queryDefinitionId, {
        queryDefinitionId,
        name,
        queryString,
        queryLanguage,
        ...(groups?.length ? { logGroupNames: [...groups] } : {}),
        lastModified: d.now(),
      });
      d.changed(queryDefinitionId);
      return { queryDefinitionId };
    },

    DescribeQueryDefinitions(input: any) {
      const prefix: string = input.queryDefinitionNamePrefix ?? '';
      const all = [...d.definitions.values()]
        .filter((q) => q.name.startsWith(prefix) && (input.queryLanguage === undefined || q.queryLanguage === input.queryLanguage))
        .sort((a, b) => a.name.localeCompare(b.name) || a.queryDefinitionId.localeCompare(b.queryDefinitionId));
      const { items, next } = offsetPage(all, input.nextToken, Math.min(input.maxResults ?? PAGE, PAGE), 'q', invalidToken);
      return {
        queryDefinitions: items.map((q) => ({ ...q, ...(q.logGroupNames ? { logGroupNames: [...q.logGroupNames] } : {}) })),
        nextToken: next,
      };
    },

    DeleteQueryDefinition(input: any) {
      if (!d.definitions.delete(input.queryDefinitionId)) throw notFound();
      d.changed(input.queryDefinitionId);
      return { success: true };
    },
  };
}
