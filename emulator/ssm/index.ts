import type { RequestContext } from '../core/context';
import { AwsError, constraintViolation } from '../core/errors';
import { arn } from '../core/ids';
import { persistedMaps } from '../core/persist-whole';
import type { ServiceDeps } from '../core/service';
import { withoutTags } from '../core/tags';
import { keyIn, rekeyByScope, scopeOfArn, valuesIn, type Scope } from '../core/scope';
import { checkFilters, matchesFilters, matchesOldFilters, page, type ParameterStringFilter, type ParametersFilter } from './filters';
import { candidateNames, checkPath, checkReadName } from './names';
import {
  checkedTags,
  labelVersion,
  latest,
  notFound,
  putParameter,
  resolveSelector,
  shownValue,
  unlabelVersion,
  type ParameterVersion,
  type PutInput,
  type StoredParameter,
} from './parameters';

/**
 * SSM Parameter Store: String, StringList and SecureString parameters with versions, labels, tags, hierarchies
 * and the filters of DescribeParameters / GetParametersByPath. Policies are stored, never run; SecureString values
 * are not encrypted. SSM's other operations (documents, Run Command, sessions, automation…) answer NotImplemented.
 */
export function createSsmProvider(deps: ServiceDeps) {
  const { clock, options } = deps;
  /** Per account and Region (core/scope.ts), by name. */
  const parameters = new Map<string, StoredParameter>();
  const keyOf = (p: StoredParameter) => keyIn(scopeOfArn(p.ARN)!, p.Name);

  /** A parameter by name (in the caller's account and Region) or by ARN (in the ARN's). */
  const find = (name: string, caller: Scope): StoredParameter | undefined => {
    const scope = (name.startsWith('arn:') && scopeOfArn(name)) || caller;
    for (const candidate of candidateNames(name)) {
      const p = parameters.get(keyIn(scope, candidate));
      if (p) return p;
    }
    return undefined;
  };
  const finder = (caller: Scope) => (name: string) => find(name, caller);
  const existing = (name: string | undefined, caller: Scope): StoredParameter => {
    required(name, 'name');
    const p = find(name!, caller);
    if (!p) throw notFound(name!);
    return p;
  };
  const sorted = (scope?: Scope) => (scope ? valuesIn(parameters, scope) : [...parameters.values()]).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));

  /** `name`: the name the caller used when it means the same top-level parameter (`/x` for `x`), as AWS answers. */
  const shown = (p: StoredParameter, v: ParameterVersion, decrypt: boolean | undefined, selector?: string, name = p.Name) => ({
    Name: name,
    Type: v.Type,
    Value: shownValue(v, decrypt),
    Version: v.Version,
    ...(selector !== undefined && { Selector: selector }),
    LastModifiedDate: v.LastModifiedDate,
    ARN: p.ARN,
    DataType: v.DataType,
  });
  const metadata = (p: StoredParameter, v: ParameterVersion) => ({
    Name: p.Name,
    ARN: p.ARN,
    Type: v.Type,
    ...(v.KeyId !== undefined && { KeyId: v.KeyId }),
    LastModifiedDate: v.LastModifiedDate,
    LastModifiedUser: v.LastModifiedUser,
    ...(v.Description !== undefined && { Description: v.Description }),
    ...(v.AllowedPattern !== undefined && { AllowedPattern: v.AllowedPattern }),
    Version: v.Version,
    Tier: v.Tier,
    Policies: v.Policies,
    DataType: v.DataType,
  });

  /** Tagging names a parameter by name or ARN; SSM's other resource types exist here only as types. */
  const taggable = (input: { ResourceType?: string; ResourceId?: string }, caller: Scope): StoredParameter => {
    required(input.ResourceType, 'resourceType');
    required(input.ResourceId, 'resourceId');
    if (!RESOURCE_TYPES.includes(input.ResourceType!)) throw new AwsError('InvalidResourceType', 'The resource type is not valid.', 400);
    const p = input.ResourceType === 'Parameter' ? find(input.ResourceId!, caller) : undefined;
    if (!p) throw new AwsError('InvalidResourceId', 'The resource ID is not valid. Verify the ID and try again.', 400);
    return p;
  };

  return {
    persistence: options.dataDir
      ? {
          ...persistedMaps({ parameters }, /^(Get|Describe|List)/),
          // Saved before parameters were kept per Region, they were keyed by name.
          resume: () => rekeyByScope(parameters, (p) => p.ARN, (p) => p.Name),
        }
      : undefined,
    reset() {
      parameters.clear();
    },
    /** A fingerprint of everything stored, for tests that check a failed request changed nothing. */
    digest(): string {
      return JSON.stringify(sorted());
    },

    PutParameter(input: PutInput, ctx: RequestContext) {
      const version = putParameter({ get: (name) => parameters.get(keyIn(ctx, name)), set: (name, p) => parameters.set(keyIn(ctx, name), p) }, input, {
        arnFor: (name) => arn('ssm', ctx.region, ctx.accountId, `parameter${name.startsWith('/') ? '' : '/'}${name}`),
        now: new Date(clock.now()),
        user: `arn:aws:iam::${ctx.accountId}:root`,
      });
      return { Version: version.Version, Tier: version.Tier };
    },

    GetParameter(input: { Name?: string; WithDecryption?: boolean }, ctx: RequestContext) {
      required(input.Name, 'name');
      checkReadName(input.Name!);
      const { parameter, version, selector, name } = resolveSelector(finder(ctx), input.Name!);
      return { Parameter: shown(parameter, version, input.WithDecryption, selector, name) };
    },

    GetParameters(input: { Names?: string[]; WithDecryption?: boolean }, ctx: RequestContext) {
      const names = listOf(input.Names, 'names', 10);
      const found: ReturnType<typeof shown>[] = [];
      const invalid: string[] = [];
      for (const name of new Set(names)) {
        try {
          const resolved = resolveSelector(finder(ctx), name);
          found.push(shown(resolved.parameter, resolved.version, input.WithDecryption, resolved.selector, resolved.name));
        } catch (e) {
          if (!(e instanceof AwsError)) throw e;
          invalid.push(name);
        }
      }
      return { Parameters: found, InvalidParameters: invalid };
    },

    GetParametersByPath(
      input: { Path?: string; Recursive?: boolean; ParameterFilters?: ParameterStringFilter[]; WithDecryption?: boolean; MaxResults?: number; NextToken?: string },
      ctx: RequestContext,
    ) {
      required(input.Path, 'path');
      const path = checkPath(input.Path!);
      checkFilters(input.ParameterFilters, 'by-path');
      const prefix = path === '/' ? '/' : `${path}/`;
      const under = sorted(ctx).filter((p) => {
        if (!p.Name.startsWith(prefix)) return false;
        return input.Recursive || !p.Name.slice(prefix.length).includes('/');
      });
      const matching = under.filter((p) => matchesFilters(p, input.ParameterFilters));
      const { items, NextToken } = page(matching, (p) => p.Name, input, 10);
      return { Parameters: items.map((p) => shown(p, latest(p), input.WithDecryption)), ...(NextToken && { NextToken }) };
    },

    GetParameterHistory(input: { Name?: string; WithDecryption?: boolean; MaxResults?: number; NextToken?: string }, ctx: RequestContext) {
      const p = existing(input.Name, ctx);
      const { items, NextToken } = page(p.versions, (v) => String(v.Version).padStart(10, '0'), input, 50);
      return {
        Parameters: items.map((v) => {
          const { ARN: _arn, ...fields } = metadata(p, v);
          return { ...fields, Value: shownValue(v, input.WithDecryption), Labels: [...v.Labels] };
        }),
        ...(NextToken && { NextToken }),
      };
    },

    DeleteParameter(input: { Name?: string }, ctx: RequestContext) {
      parameters.delete(keyOf(existing(input.Name, ctx)));
      return {};
    },

    DeleteParameters(input: { Names?: string[] }, ctx: RequestContext) {
      const names = listOf(input.Names, 'names', 10);
      const deleted: string[] = [];
      const invalid: string[] = [];
      for (const name of new Set(names)) {
        const p = find(name, ctx);
        if (p) {
          parameters.delete(keyOf(p));
          deleted.push(name);
        } else invalid.push(name);
      }
      return { DeletedParameters: deleted, InvalidParameters: invalid };
    },

    DescribeParameters(
      input: { Filters?: ParametersFilter[]; ParameterFilters?: ParameterStringFilter[]; MaxResults?: number; NextToken?: string; Shared?: boolean },
      ctx: RequestContext,
    ) {
      if (input.Filters?.length && input.ParameterFilters?.length) throw new AwsError('ValidationException', 'You can use either Filters or ParameterFilters in a single request.', 400);
      checkFilters(input.ParameterFilters, 'describe');
      // Shared: parameters other accounts shared with this one; there are none here.
      const matching = input.Shared ? [] : sorted(ctx).filter((p) => matchesOldFilters(p, input.Filters) && matchesFilters(p, input.ParameterFilters));
      const { items, NextToken } = page(matching, (p) => p.Name, input, 50);
      return { Parameters: items.map((p) => metadata(p, latest(p))), ...(NextToken && { NextToken }) };
    },

    LabelParameterVersion(input: { Name?: string; ParameterVersion?: number; Labels?: string[] }, ctx: RequestContext) {
      const p = existing(input.Name, ctx);
      const labels = listOf(input.Labels, 'labels', 10);
      const { invalid, version } = labelVersion(p, input.ParameterVersion, labels);
      return { InvalidLabels: invalid, ParameterVersion: version };
    },

    UnlabelParameterVersion(input: { Name?: string; ParameterVersion?: number; Labels?: string[] }, ctx: RequestContext) {
      const p = existing(input.Name, ctx);
      required(input.ParameterVersion, 'parameterVersion');
      const labels = listOf(input.Labels, 'labels', 10);
      const { removed, invalid } = unlabelVersion(p, input.ParameterVersion!, labels);
      return { RemovedLabels: removed, InvalidLabels: invalid };
    },

    AddTagsToResource(input: { ResourceType?: string; ResourceId?: string; Tags?: { Key?: string; Value?: string }[] }, ctx: RequestContext) {
      const p = taggable(input, ctx);
      p.Tags = checkedTags(p.Tags, listOf(input.Tags, 'tags', 1000));
      return {};
    },

    RemoveTagsFromResource(input: { ResourceType?: string; ResourceId?: string; TagKeys?: string[] }, ctx: RequestContext) {
      const p = taggable(input, ctx);
      p.Tags = withoutTags(p.Tags, listOf(input.TagKeys, 'tagKeys', 1000));
      return {};
    },

    ListTagsForResource(input: { ResourceType?: string; ResourceId?: string }, ctx: RequestContext) {
      return { TagList: taggable(input, ctx).Tags.map((t) => ({ ...t })) };
    },
  };
}

const RESOURCE_TYPES = ['Document', 'ManagedInstance', 'MaintenanceWindow', 'Parameter', 'PatchBaseline', 'OpsItem', 'OpsMetadata', 'Automation', 'Association'];

function required(value: unknown, field: string): void {
  if (value === undefined) throw constraintViolation('ValidationException', field, undefined, 'Member must not be null');
}

/** A required list of 1..max members. */
function listOf<T>(list: T[] | undefined, field: string, max: number): T[] {
  required(list, field);
  if (list!.length < 1) throw constraintViolation('ValidationException', field, list, 'Member must have length greater than or equal to 1');
  if (list!.length > max) throw constraintViolation('ValidationException', field, list, `Member must have length less than or equal to ${max}`);
  return list!;
}
