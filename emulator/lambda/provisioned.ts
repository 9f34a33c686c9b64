import type {
  DeleteProvisionedConcurrencyConfigCommandInput,
  GetProvisionedConcurrencyConfigCommandInput,
  GetProvisionedConcurrencyConfigCommandOutput,
  ListProvisionedConcurrencyConfigsCommandInput,
  ListProvisionedConcurrencyConfigsCommandOutput,
  ProvisionedConcurrencyConfigListItem,
  PutProvisionedConcurrencyConfigCommandInput,
  PutProvisionedConcurrencyConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { withMeta } from '../core/service';
import type { Executor } from './execution';
import { lambdaTimestamp, type FunctionStore } from './functions';
import { validation } from './names';
import { offsetPage } from './paging';
import type { Settings } from './settings';
import type { FunctionAlias, LambdaCore, LambdaFunction, Out, ProvisionedConcurrency } from './state';
import { LATEST, qualify, type Target } from './targets';
import { checkRange } from './validation';

/**
 * Provisioned concurrency on a published version or an alias: the configuration is IN_PROGRESS until the
 * runtime pool has that many environments of the version started and initialised (and at least
 * PROVISIONING_MS of emulated time has passed), then READY. Those environments are kept warm and serve
 * invocations first, as on Lambda. It counts against the function's reserved concurrency, or else against
 * the account's unreserved concurrency.
 */

/** The least emulated time a configuration stays IN_PROGRESS (AWS takes a minute or two). */
export const PROVISIONING_MS = 1000;

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message, 400, { Type: 'User' });
const noConfig = () =>
  new AwsError('ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function', 404, { Type: 'User' });

export class ProvisionedConcurrencyConfigs {
  /** Bumped per qualifier on every start, so a late result of an earlier start (same configuration, before an alias moved) is ignored. */
  private readonly generation = new Map<string, number>();

  constructor(
    private readonly core: LambdaCore,
    private readonly store: FunctionStore,
    private readonly executor: Executor,
    private readonly settings: Settings,
  ) {}

  /** A version or an alias; `$LATEST` (or no qualifier) is refused as AWS refuses it. */
  private target(ref: string | undefined, ctx: RequestContext, qualifier: string | undefined): Target {
    const t = this.store.resolve(ref, ctx, qualifier);
    if (t.qualifier === undefined) throw validation('qualifier', qualifier, 'Member must not be null');
    if (t.qualifier === LATEST || (t.version === LATEST && t.alias)) {
      throw invalid('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    }
    return t;
  }

  private render(c: ProvisionedConcurrency) {
    return {
      RequestedProvisionedConcurrentExecutions: c.requested,
      AvailableProvisionedConcurrentExecutions: c.allocated,
      AllocatedProvisionedConcurrentExecutions: c.allocated,
      Status: c.status,
      ...(c.statusReason ? { StatusReason: c.statusReason } : {}),
      LastModified: lambdaTimestamp(c.lastModified),
    };
  }

  /** Provisioned concurrency of every function but the qualifier being replaced. */
  private provisionedSum(filter: (fn: LambdaFunction) => boolean, except?: { fn: LambdaFunction; q: string }): number {
    let n = 0;
    for (const fn of this.core.functions.values()) {
      if (!filter(fn)) continue;
      for (const [q, c] of fn.provisioned) if (!(except && fn === except.fn && q === except.q)) n += c.requested;
    }
    return n;
  }

  put(input: PutProvisionedConcurrencyConfigCommandInput, ctx: RequestContext) {
    const n = input.ProvisionedConcurrentExecutions;
    if (n === undefined || n === null) throw validation('provisionedConcurrentExecutions', n, 'Member must not be null');
    checkRange('provisionedConcurrentExecutions', n, [1, Number.MAX_SAFE_INTEGER]);
    const t = this.target(input.FunctionName, ctx, input.Qualifier);
    const fn = t.fn;
    const q = t.qualifier!;
    if (t.alias?.weights) throw invalid('Alias with weights can not be used with Provisioned Concurrency');
    // One configuration per version: an alias and the version it points at cannot both have one.
    if (t.alias && fn.provisioned.has(t.version)) {
      throw new AwsError('ResourceConflictException', "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version", 409, { Type: 'User' });
    }
    if (!t.alias && [...fn.aliases.values()].some((a) => a.functionVersion === q && fn.provisioned.has(a.name))) {
      throw new AwsError('ResourceConflictException', 'Version is pointed by a Provisioned Concurrency alias', 409, { Type: 'User' });
    }
    const except = { fn, q };
    if (fn.reservedConcurrency !== undefined) {
      if (this.provisionedSum((f) => f === fn, except) + n > fn.reservedConcurrency) {
        throw invalid(`Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function`);
      }
    } else {
      const s = this.settings;
      const unreserved = s.accountLimit - s.reservedTotal() - this.provisionedSum((f) => f.reservedConcurrency === undefined, except);
      if (unreserved - n < s.minimumUnreserved) {
        throw invalid(`Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [${unreserved}].`);
      }
    }
    const c: ProvisionedConcurrency = { requested: n, allocated: 0, status: 'IN_PROGRESS', lastModified: this.core.deps.clock.now() };
    fn.provisioned.set(q, c);
    this.start(fn, q, c);
    return withMeta(this.render(c) as Out<PutProvisionedConcurrencyConfigCommandOutput>, { status: 202 });
  }

  /** Starts the environments; READY when they are up and the emulated delay has passed, FAILED if init failed. */
  private start(fn: LambdaFunction, q: string, c: ProvisionedConcurrency): void {
    const key = `${fn.arn}:${q}`;
    const gen = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, gen);
    const current = () => this.generation.get(key) === gen && fn.provisioned.get(q) === c && !fn.deleted;
    let t: Target;
    try {
      t = qualify(fn, q);
    } catch {
      return;
    }
    const bus = this.core.deps.bus;
    const delay = new Promise<void>((resolve) => this.core.timers.set(PROVISIONING_MS, resolve));
    const provisioning = this.executor.provision({ fn, version: t.version, config: t.config, invokedArn: t.arn }, c.requested);
    Promise.all([provisioning, delay]).then(
      () => {
        if (!current()) return;
        c.allocated = c.requested;
        c.status = 'READY';
        c.statusReason = undefined;
        bus.record({ type: 'lambda.provisioned.ready', functionName: fn.name, qualifier: q, count: c.requested });
      },
      (e: unknown) => {
        if (!current()) return;
        c.status = 'FAILED';
        c.statusReason = `Provisioned Concurrency configuration failed to be applied. Reason: ${(e as Error).message}.`;
        bus.record({ type: 'lambda.provisioned.failed', functionName: fn.name, qualifier: q, error: (e as Error).message });
      },
    );
  }

  get(input: GetProvisionedConcurrencyConfigCommandInput, ctx: RequestContext): Out<GetProvisionedConcurrencyConfigCommandOutput> {
    const t = this.target(input.FunctionName, ctx, input.Qualifier);
    const c = t.fn.provisioned.get(t.qualifier!);
    if (!c) throw noConfig();
    return this.render(c) as Out<GetProvisionedConcurrencyConfigCommandOutput>;
  }

  async delete(input: DeleteProvisionedConcurrencyConfigCommandInput, ctx: RequestContext) {
    const t = this.target(input.FunctionName, ctx, input.Qualifier);
    await this.remove(t.fn, t.qualifier!, t.version);
    return withMeta({}, { status: 204 });
  }

  /** DeleteAlias: the alias's configuration goes with it, and so do the environments it kept warm. */
  aliasDeleted(fn: LambdaFunction, alias: FunctionAlias): Promise<void> {
    return this.remove(fn, alias.name, alias.functionVersion);
  }

  /** Forgets the configuration (a provisioning still under way then finds it gone) and stops its environments. */
  private async remove(fn: LambdaFunction, q: string, version: string): Promise<void> {
    if (fn.provisioned.delete(q)) await this.executor.unprovision(fn.name, version);
  }

  list(input: ListProvisionedConcurrencyConfigsCommandInput, ctx: RequestContext): Out<ListProvisionedConcurrencyConfigsCommandOutput> {
    const fn = this.store.find(input.FunctionName, ctx);
    checkRange('maxItems', input.MaxItems, [1, 50]);
    const all: ProvisionedConcurrencyConfigListItem[] = [...fn.provisioned].map(([q, c]) => ({ FunctionArn: `${fn.arn}:${q}`, ...this.render(c) }));
    const { page, nextMarker } = offsetPage(all, input.Marker, input.MaxItems ?? 50);
    return { ProvisionedConcurrencyConfigs: page, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }

  /** An alias with provisioned concurrency now points at another version: that version is provisioned instead. */
  retargeted(fn: LambdaFunction, alias: string, oldVersion: string): void {
    const c = fn.provisioned.get(alias);
    if (!c) return;
    void this.executor.unprovision(fn.name, oldVersion);
    c.status = 'IN_PROGRESS';
    c.allocated = 0;
    c.lastModified = this.core.deps.clock.now();
    this.start(fn, alias, c);
  }

  /** After a restart (`--data-dir`): every configuration provisions its environments again. */
  resumeAll(): void {
    for (const fn of this.core.functions.values()) {
      for (const [q, c] of fn.provisioned) {
        c.status = 'IN_PROGRESS';
        c.allocated = 0;
        this.start(fn, q, c);
      }
    }
  }
}
