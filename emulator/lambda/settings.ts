import type {
  DeleteFunctionConcurrencyCommandInput,
  DeleteFunctionEventInvokeConfigCommandInput,
  FunctionEventInvokeConfig,
  GetAccountSettingsCommandOutput,
  GetFunctionConcurrencyCommandInput,
  GetFunctionConcurrencyCommandOutput,
  GetFunctionEventInvokeConfigCommandInput,
  GetFunctionRecursionConfigCommandInput,
  GetFunctionRecursionConfigCommandOutput,
  ListFunctionEventInvokeConfigsCommandInput,
  ListFunctionEventInvokeConfigsCommandOutput,
  ListTagsCommandInput,
  ListTagsCommandOutput,
  PutFunctionConcurrencyCommandInput,
  PutFunctionConcurrencyCommandOutput,
  PutFunctionEventInvokeConfigCommandInput,
  PutFunctionRecursionConfigCommandInput,
  PutFunctionRecursionConfigCommandOutput,
  TagResourceCommandInput,
  UntagResourceCommandInput,
  UpdateFunctionEventInvokeConfigCommandInput,
} from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';
import { withMeta } from '../core/service';
import type { FunctionStore } from './functions';
import { functionArn, validation } from './names';
import type { EventInvokeConfig, LambdaCore, LambdaFunction, Out } from './state';
import { invokeConfigHolder, type Target } from './targets';
import { checkDestinations, checkRange, LIMITS } from './validation';

/** Per-function settings beside the configuration: async invoke config, reserved concurrency, recursion, tags. */

const resourceNotFound = (message = 'The resource you requested does not exist.') =>
  new AwsError('ResourceNotFoundException', message, 404, { Type: 'User' });

export class Settings {
  constructor(
    private readonly core: LambdaCore,
    private readonly store: FunctionStore,
  ) {}

  // ---- asynchronous invocation configuration ----

  /** `qualifier`: the version or alias the configuration belongs to (each has its own). */
  private render(fn: LambdaFunction, c: EventInvokeConfig, qualifier = '$LATEST'): Out<FunctionEventInvokeConfig> {
    return {
      LastModified: new Date(c.lastModified),
      FunctionArn: `${fn.arn}:${qualifier}`,
      ...(c.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: c.maximumRetryAttempts } : {}),
      ...(c.maximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: c.maximumEventAgeInSeconds } : {}),
      DestinationConfig: {
        OnSuccess: { ...(c.destinationConfig?.OnSuccess?.Destination ? { Destination: c.destinationConfig.OnSuccess.Destination } : {}) },
        OnFailure: { ...(c.destinationConfig?.OnFailure?.Destination ? { Destination: c.destinationConfig.OnFailure.Destination } : {}) },
      },
    };
  }

  private checkInvokeConfig(fn: LambdaFunction, input: PutFunctionEventInvokeConfigCommandInput): void {
    checkRange('maximumRetryAttempts', input.MaximumRetryAttempts, LIMITS.retries);
    checkRange('maximumEventAgeInSeconds', input.MaximumEventAgeInSeconds, LIMITS.eventAge);
    checkDestinations(input.DestinationConfig, fn.arn);
  }

  /** The function, version or alias a request names, and the holder of its asynchronous settings. */
  private invokeConfigTarget(ref: string | undefined, ctx: RequestContext, qualifier?: string): { t: Target; fn: LambdaFunction; holder: { eventInvokeConfig?: EventInvokeConfig }; q: string } {
    const t = this.store.resolve(ref, ctx, qualifier);
    return { t, fn: t.fn, holder: invokeConfigHolder(t), q: t.qualifier ?? '$LATEST' };
  }

  putEventInvokeConfig(input: PutFunctionEventInvokeConfigCommandInput, ctx: RequestContext) {
    const { fn, holder, q } = this.invokeConfigTarget(input.FunctionName, ctx, input.Qualifier);
    this.checkInvokeConfig(fn, input);
    // Put replaces the whole configuration.
    holder.eventInvokeConfig = {
      maximumRetryAttempts: input.MaximumRetryAttempts,
      maximumEventAgeInSeconds: input.MaximumEventAgeInSeconds,
      destinationConfig: input.DestinationConfig,
      lastModified: this.core.deps.clock.now(),
    };
    return this.render(fn, holder.eventInvokeConfig, q);
  }

  updateEventInvokeConfig(input: UpdateFunctionEventInvokeConfigCommandInput, ctx: RequestContext) {
    const { fn, holder, q } = this.invokeConfigTarget(input.FunctionName, ctx, input.Qualifier);
    this.checkInvokeConfig(fn, input);
    // Update changes only what it names.
    const prev = holder.eventInvokeConfig;
    holder.eventInvokeConfig = {
      maximumRetryAttempts: input.MaximumRetryAttempts ?? prev?.maximumRetryAttempts,
      maximumEventAgeInSeconds: input.MaximumEventAgeInSeconds ?? prev?.maximumEventAgeInSeconds,
      destinationConfig: {
        OnSuccess: input.DestinationConfig?.OnSuccess ?? prev?.destinationConfig?.OnSuccess,
        OnFailure: input.DestinationConfig?.OnFailure ?? prev?.destinationConfig?.OnFailure,
      },
      lastModified: this.core.deps.clock.now(),
    };
    return this.render(fn, holder.eventInvokeConfig, q);
  }

  getEventInvokeConfig(input: GetFunctionEventInvokeConfigCommandInput, ctx: RequestContext) {
    const { fn, holder, q } = this.invokeConfigTarget(input.FunctionName, ctx, input.Qualifier);
    if (!holder.eventInvokeConfig) throw resourceNotFound(`The function ${fn.arn}:${q} doesn't have an EventInvokeConfig`);
    return this.render(fn, holder.eventInvokeConfig, q);
  }

  deleteEventInvokeConfig(input: DeleteFunctionEventInvokeConfigCommandInput, ctx: RequestContext) {
    const { fn, holder, q } = this.invokeConfigTarget(input.FunctionName, ctx, input.Qualifier);
    if (!holder.eventInvokeConfig) throw resourceNotFound(`The function ${fn.arn}:${q} doesn't have an EventInvokeConfig`);
    holder.eventInvokeConfig = undefined;
    return withMeta({}, { status: 204 });
  }

  /** Every configuration of the function: $LATEST's, then each version's and each alias's. */
  listEventInvokeConfigs(input: ListFunctionEventInvokeConfigsCommandInput, ctx: RequestContext): Out<ListFunctionEventInvokeConfigsCommandOutput> {
    const fn = this.store.find(input.FunctionName, ctx);
    const all: [string, EventInvokeConfig | undefined][] = [
      ['$LATEST', fn.eventInvokeConfig],
      ...[...fn.versions.values()].map((v): [string, EventInvokeConfig | undefined] => [v.version, v.eventInvokeConfig]),
      ...[...fn.aliases.values()].map((a): [string, EventInvokeConfig | undefined] => [a.name, a.eventInvokeConfig]),
    ];
    return { FunctionEventInvokeConfigs: all.filter(([, c]) => c).map(([q, c]) => this.render(fn, c!, q)) };
  }

  // ---- reserved concurrency ----

  get accountLimit(): number {
    return this.core.deps.options.lambdaConcurrencyLimit;
  }

  /** AWS keeps 100 of the account's concurrency unreserved (scaled down for a small emulator limit). */
  get minimumUnreserved(): number {
    return Math.min(100, Math.floor(this.accountLimit / 10));
  }

  reservedTotal(except?: LambdaFunction): number {
    let n = 0;
    for (const f of this.core.functions.values()) if (f !== except) n += f.reservedConcurrency ?? 0;
    return n;
  }

  putConcurrency(input: PutFunctionConcurrencyCommandInput, ctx: RequestContext): Out<PutFunctionConcurrencyCommandOutput> {
    const fn = this.store.find(input.FunctionName, ctx);
    const n = input.ReservedConcurrentExecutions;
    if (n === undefined || n === null) throw validation('reservedConcurrentExecutions', n, 'Member must not be null');
    checkRange('reservedConcurrentExecutions', n, [0, Number.MAX_SAFE_INTEGER]);
    const unreserved = this.accountLimit - this.reservedTotal(fn) - n;
    if (unreserved < this.minimumUnreserved) {
      throw new AwsError(
        'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.minimumUnreserved}].`,
        400,
        { Type: 'User' },
      );
    }
    fn.reservedConcurrency = n;
    return { ReservedConcurrentExecutions: n };
  }

  getConcurrency(input: GetFunctionConcurrencyCommandInput, ctx: RequestContext): Out<GetFunctionConcurrencyCommandOutput> {
    const fn = this.store.find(input.FunctionName, ctx);
    return fn.reservedConcurrency !== undefined ? { ReservedConcurrentExecutions: fn.reservedConcurrency } : {};
  }

  deleteConcurrency(input: DeleteFunctionConcurrencyCommandInput, ctx: RequestContext) {
    const fn = this.store.find(input.FunctionName, ctx);
    fn.reservedConcurrency = undefined;
    return withMeta({}, { status: 204 });
  }

  // ---- recursive loop detection ----

  putRecursionConfig(input: PutFunctionRecursionConfigCommandInput, ctx: RequestContext): Out<PutFunctionRecursionConfigCommandOutput> {
    const fn = this.store.find(input.FunctionName, ctx);
    if (input.RecursiveLoop !== 'Allow' && input.RecursiveLoop !== 'Terminate') {
      throw validation('recursiveLoop', input.RecursiveLoop, 'Member must satisfy enum value set: [Allow, Terminate]');
    }
    fn.recursiveLoop = input.RecursiveLoop;
    return { RecursiveLoop: fn.recursiveLoop };
  }

  getRecursionConfig(input: GetFunctionRecursionConfigCommandInput, ctx: RequestContext): Out<GetFunctionRecursionConfigCommandOutput> {
    return { RecursiveLoop: this.store.find(input.FunctionName, ctx).recursiveLoop };
  }

  // ---- tags (functions and event source mappings) ----

  private taggable(resource: string | undefined, ctx: RequestContext): Record<string, string> {
    const arn = resource ? parseArn(resource) : undefined;
    if (!arn || arn.service !== 'lambda') throw validation('resource', resource, 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})');
    if (arn.resource.startsWith('code-signing-config:')) {
      const c = this.core.codeSigningConfigs.get(resource!);
      if (!c) throw resourceNotFound(`The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${resource}.`);
      return c.tags;
    }
    if (arn.resource.startsWith('event-source-mapping:')) {
      const m = this.core.mappings.get(arn.resource.slice('event-source-mapping:'.length));
      if (!m) throw resourceNotFound();
      return m.tags;
    }
    const name = arn.resource.split(':')[1];
    const fn = this.core.functions.get(functionArn({ region: arn.region || ctx.region, accountId: arn.accountId || ctx.accountId }, name ?? ''));
    if (!fn) throw resourceNotFound(`Function not found: ${resource}`);
    return fn.tags;
  }

  listTags(input: ListTagsCommandInput, ctx: RequestContext): Out<ListTagsCommandOutput> {
    return { Tags: { ...this.taggable(input.Resource, ctx) } };
  }

  tagResource(input: TagResourceCommandInput, ctx: RequestContext) {
    const tags = this.taggable(input.Resource, ctx);
    const incoming = input.Tags ?? {};
    if (Object.keys({ ...tags, ...incoming }).length > 50) {
      throw new AwsError('InvalidParameterValueException', 'Number of tags exceeds resource tag limit.', 400, { Type: 'User' });
    }
    Object.assign(tags, incoming);
    return withMeta({}, { status: 204 });
  }

  untagResource(input: UntagResourceCommandInput, ctx: RequestContext) {
    const tags = this.taggable(input.Resource, ctx);
    for (const k of input.TagKeys ?? []) delete tags[k];
    return withMeta({}, { status: 204 });
  }

  // ---- account ----

  accountSettings(): Out<GetAccountSettingsCommandOutput> {
    const functions = [...this.core.functions.values()];
    const layerBytes = [...this.core.layers.values()].flatMap((l) => [...l.versions.values()]).reduce((n, v) => n + v.size, 0);
    return {
      AccountLimit: {
        TotalCodeSize: 80_530_636_800,
        CodeSizeUnzipped: 262_144_000,
        CodeSizeZipped: 52_428_800,
        ConcurrentExecutions: this.accountLimit,
        UnreservedConcurrentExecutions: this.accountLimit - this.reservedTotal(),
      },
      AccountUsage: {
        // Deployment packages and layer archives, as AWS counts its code storage.
        TotalCodeSize: functions.reduce((n, f) => n + f.code.size, 0) + layerBytes,
        FunctionCount: functions.length,
      },
    };
  }
}
