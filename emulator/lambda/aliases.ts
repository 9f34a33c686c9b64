import type {
  AliasConfiguration,
  AliasRoutingConfiguration,
  CreateAliasCommandInput,
  DeleteAliasCommandInput,
  GetAliasCommandInput,
  ListAliasesCommandInput,
  ListAliasesCommandOutput,
  UpdateAliasCommandInput,
} from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { withMeta } from '../core/service';
import type { FunctionStore } from './functions';
import { validation } from './names';
import { offsetPage } from './paging';
import { revisionMismatch } from './permissions';
import type { FunctionAlias, LambdaCore, LambdaFunction, Out } from './state';
import { LATEST, notFound, VERSION_NUMBER } from './targets';
import { checkRange } from './validation';

/** CreateAlias / GetAlias / UpdateAlias / DeleteAlias / ListAliases. Invocation resolves aliases in targets.ts. */

const ALIAS_NAME = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
const FUNCTION_VERSION = /^(\$LATEST|[0-9]+)$/;

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message, 400, { Type: 'User' });

function checkName(name: string | undefined): string {
  if (!name) throw validation('name', name, 'Member must not be null');
  if (name.length > 128) throw validation('name', name, 'Member must have length less than or equal to 128');
  if (!ALIAS_NAME.test(name)) throw validation('name', name, 'Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)');
  return name;
}

/** FunctionVersion of an alias: `$LATEST` or a published version that exists. */
function checkVersion(fn: LambdaFunction, version: string | undefined): string {
  if (!version) throw validation('functionVersion', version, 'Member must not be null');
  if (version.length > 1024) throw validation('functionVersion', version, 'Member must have length less than or equal to 1024');
  if (!FUNCTION_VERSION.test(version)) throw validation('functionVersion', version, 'Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)');
  if (version !== LATEST && !fn.versions.has(version)) throw notFound(`${fn.arn}:${version}`);
  return version;
}

/** AdditionalVersionWeights: one published version besides the alias's own, weight 0 ≤ w < 1, not with $LATEST. */
function checkRouting(fn: LambdaFunction, primary: string, routing: AliasRoutingConfiguration | undefined): Record<string, number> | undefined {
  const weights = routing?.AdditionalVersionWeights;
  const entries = Object.entries(weights ?? {});
  if (entries.length === 0) return undefined;
  if (entries.length > 1) throw invalid('Number of items in AdditionalVersionWeights cannot be greater than 1');
  const [version, weight] = entries[0]!;
  const shown = `{${version}=${weight}}`;
  if (!VERSION_NUMBER.test(version) || version.length > 1024) {
    throw validation(
      'routingConfig.additionalVersionWeights',
      shown,
      'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]',
    );
  }
  // LocalStack's AWS-recorded tests show 1.0 itself refused, although the API reference gives 1.0 as the maximum.
  if (typeof weight !== 'number' || !(weight >= 0 && weight < 1)) {
    throw validation(
      'routingConfig.additionalVersionWeights',
      shown,
      'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
    );
  }
  if (version === primary) throw invalid(`Invalid function version ${primary}. Function version ${primary} is already included in routing configuration.`);
  if (primary === LATEST) throw invalid('$LATEST is not supported for an alias pointing to more than 1 version');
  if (!fn.versions.has(version)) throw notFound(`${fn.arn}:${version}`);
  return { [version]: weight };
}

export class Aliases {
  /** Told when an alias moves to another version (provisioned concurrency follows it). */
  onRetarget?: (fn: LambdaFunction, alias: string, oldVersion: string) => void;
  /** Told when an alias is deleted (its provisioned concurrency goes, and the environments kept for it stop). */
  onDelete?: (fn: LambdaFunction, alias: FunctionAlias) => Promise<void>;

  constructor(
    private readonly core: LambdaCore,
    private readonly store: FunctionStore,
  ) {}

  render(fn: LambdaFunction, a: FunctionAlias): Out<AliasConfiguration> {
    return {
      AliasArn: `${fn.arn}:${a.name}`,
      Name: a.name,
      FunctionVersion: a.functionVersion,
      Description: a.description,
      ...(a.weights ? { RoutingConfig: { AdditionalVersionWeights: { ...a.weights } } } : {}),
      RevisionId: a.revisionId,
    };
  }

  private require(fn: LambdaFunction, name: string | undefined): FunctionAlias {
    const alias = name ? fn.aliases.get(name) : undefined;
    if (!alias) throw new AwsError('ResourceNotFoundException', `Cannot find alias arn: ${fn.arn}:${name}`, 404, { Type: 'User' });
    return alias;
  }

  create(input: CreateAliasCommandInput, ctx: RequestContext) {
    const fn = this.store.find(input.FunctionName, ctx);
    const name = checkName(input.Name);
    const version = checkVersion(fn, input.FunctionVersion);
    if (fn.aliases.has(name)) throw new AwsError('ResourceConflictException', `Alias already exists: ${fn.arn}:${name}`, 409, { Type: 'User' });
    const alias: FunctionAlias = {
      name,
      functionVersion: version,
      description: input.Description ?? '',
      weights: checkRouting(fn, version, input.RoutingConfig),
      revisionId: uuid(),
      policy: [],
    };
    fn.aliases.set(name, alias);
    this.core.deps.bus.record({ type: 'lambda.alias.create', functionName: fn.name, alias: name, version });
    return withMeta(this.render(fn, alias), { status: 201 });
  }

  get(input: GetAliasCommandInput, ctx: RequestContext) {
    const fn = this.store.find(input.FunctionName, ctx);
    return this.render(fn, this.require(fn, input.Name));
  }

  update(input: UpdateAliasCommandInput, ctx: RequestContext) {
    const fn = this.store.find(input.FunctionName, ctx);
    const alias = this.require(fn, input.Name);
    if (input.RevisionId && input.RevisionId !== alias.revisionId) throw revisionMismatch();
    const version = input.FunctionVersion !== undefined ? checkVersion(fn, input.FunctionVersion) : alias.functionVersion;
    // Routing given: replaced (empty weights remove it); not given: kept, and checked against the new version.
    const weights = checkRouting(fn, version, input.RoutingConfig ?? (alias.weights ? { AdditionalVersionWeights: alias.weights } : undefined));
    const oldVersion = alias.functionVersion;
    alias.functionVersion = version;
    alias.weights = weights;
    if (oldVersion !== version) this.onRetarget?.(fn, alias.name, oldVersion);
    if (input.Description !== undefined) alias.description = input.Description;
    alias.revisionId = uuid();
    this.core.deps.bus.record({ type: 'lambda.alias.update', functionName: fn.name, alias: alias.name, version });
    return this.render(fn, alias);
  }

  async delete(input: DeleteAliasCommandInput, ctx: RequestContext) {
    const fn = this.store.find(input.FunctionName, ctx);
    const alias = this.require(fn, input.Name);
    fn.aliases.delete(alias.name);
    // What hangs off the alias goes with it: its function URL and its provisioned concurrency.
    fn.urlConfigs.delete(alias.name);
    await this.onDelete?.(fn, alias);
    this.core.deps.bus.record({ type: 'lambda.alias.delete', functionName: fn.name, alias: alias.name });
    return withMeta({}, { status: 204 });
  }

  list(input: ListAliasesCommandInput, ctx: RequestContext): Out<ListAliasesCommandOutput> {
    const fn = this.store.find(input.FunctionName, ctx);
    checkRange('maxItems', input.MaxItems, [1, 10_000]);
    if (input.FunctionVersion !== undefined && !FUNCTION_VERSION.test(input.FunctionVersion)) {
      throw validation('functionVersion', input.FunctionVersion, 'Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)');
    }
    const all = [...fn.aliases.values()]
      .filter((a) => input.FunctionVersion === undefined || a.functionVersion === input.FunctionVersion)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const { page, nextMarker } = offsetPage(all, input.Marker, Math.min(input.MaxItems ?? 50, 50));
    return { Aliases: page.map((a) => this.render(fn, a)), ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }
}
