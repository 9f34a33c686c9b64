import type {
  CreateFunctionCommandInput,
  DeleteFunctionCommandInput,
  FunctionConfiguration,
  GetFunctionCommandInput,
  GetFunctionCommandOutput,
  GetFunctionConfigurationCommandInput,
  ListFunctionsCommandInput,
  ListFunctionsCommandOutput,
  UpdateFunctionCodeCommandInput,
  UpdateFunctionConfigurationCommandInput,
} from '@aws-sdk/client-lambda';
import { createHash } from 'node:crypto';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { withMeta } from '../core/service';
import { prepareCode, removeCodeDir } from './code';
import type { CodeSigningConfigs } from './code-signing';
import type { Executor } from './execution';
import { checkUnzippedTotal, layersOutput, resolveLayers } from './function-layers';
import { loggingOutput, resolveLogging } from './logging-config';
import { functionArn, parseFunctionRef, validation, type Scope } from './names';
import { offsetPage } from './paging';
import { revisionMismatch } from './permissions';
import { TRANSITION_MS, type FunctionConfig, type FunctionVersion, type LambdaCore, type LambdaFunction, type Out } from './state';
import { LATEST, notFound, resolve, VERSION_NUMBER, type Target } from './targets';
import type { Versions } from './versions';
import {
  checkArchitectures,
  checkDeadLetterTarget,
  checkEnvironment,
  checkFunctionName,
  checkHandler,
  checkRange,
  checkRole,
  checkRuntime,
  LIMITS,
} from './validation';

const DEFAULT_TIMEOUT = 3;
const DEFAULT_MEMORY = 128;

/** `2024-05-01T12:00:00.000+0000`: the format Lambda uses for a function's LastModified. */
export const lambdaTimestamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');


/** How a configuration is shown: the version it is and the ARN it is asked for by. */
interface View {
  config: FunctionConfig;
  version: string;
  arn: string;
}

/** Functions: create, read, update, delete, and the Pending → Active / InProgress → Successful transitions. */
export class FunctionStore {
  /** Set once the provider is assembled (PublishVersion is its own part, which needs the store too). */
  versions!: Versions;
  /** Set once the provider is assembled: deployments are checked against a function's code signing configuration. */
  codeSigning!: CodeSigningConfigs;

  constructor(
    private readonly core: LambdaCore,
    private readonly executor: Executor,
  ) {}

  /** Persisted state needs each function's package to unpack it again after a restart. */
  private get keepZip(): boolean {
    return Boolean(this.core.deps.options.dataDir);
  }

  /** The function a request names (name, ARN or partial ARN), for operations on `$LATEST` only. */
  find(ref: string | undefined, scope: Scope, qualifier?: string): LambdaFunction {
    const parsed = parseFunctionRef(ref, scope, qualifier);
    const fn = this.core.functions.get(parsed.arn);
    if (!fn) throw notFound(parsed.arn);
    if (parsed.qualifier !== undefined && parsed.qualifier !== LATEST) throw notFound(`${parsed.arn}:${parsed.qualifier}`);
    return fn;
  }

  /** The function, version or alias a request names (Qualifier or a `:qualifier` suffix). */
  resolve(ref: string | undefined, scope: Scope, qualifier?: string): Target {
    return resolve(this.core, ref, scope, qualifier);
  }

  /** A function's configuration: `$LATEST` as it is now, or a published version as it was frozen. */
  configuration(fn: LambdaFunction, view: View = { config: fn, version: LATEST, arn: fn.arn }): Out<FunctionConfiguration> {
    const c = view.config;
    const latest = view.version === LATEST;
    return {
      FunctionName: fn.name,
      FunctionArn: view.arn,
      Runtime: c.runtime as FunctionConfiguration['Runtime'],
      Role: c.role,
      Handler: c.handler,
      CodeSize: c.code.size,
      Description: c.description,
      Timeout: c.timeout,
      MemorySize: c.memorySize,
      LastModified: lambdaTimestamp(c.lastModified),
      CodeSha256: c.code.sha256,
      Version: view.version,
      ...layersOutput(c.layers),
      ...(c.environment ? { Environment: { Variables: { ...c.environment } } } : {}),
      ...(c.deadLetterTargetArn ? { DeadLetterConfig: { TargetArn: c.deadLetterTargetArn } } : {}),
      TracingConfig: { Mode: c.tracingMode as 'PassThrough' },
      RevisionId: c.revisionId,
      // A published version never changes, so it is Active from the start.
      State: latest ? fn.state : 'Active',
      ...(latest && fn.stateReason ? { StateReason: fn.stateReason, StateReasonCode: fn.stateReasonCode as 'Creating' } : {}),
      ...(!latest ? { LastUpdateStatus: 'Successful' as const } : fn.lastUpdateStatus ? { LastUpdateStatus: fn.lastUpdateStatus } : {}),
      ...(latest && fn.lastUpdateStatusReason ? { LastUpdateStatusReason: fn.lastUpdateStatusReason } : {}),
      PackageType: 'Zip',
      Architectures: c.architectures as ['x86_64'],
      EphemeralStorage: { Size: c.ephemeralStorageMb ?? 512 },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
      RuntimeVersionConfig: {
        RuntimeVersionArn: `arn:aws:lambda:${fn.region}::runtime:${createHash('sha256').update(c.runtime).digest('hex')}`,
      },
      LoggingConfig: loggingOutput(c.logging, fn.name),
    };
  }

  /** `$LATEST` (no version given) or a published version as lists show it: under its qualified ARN. */
  versionConfiguration(fn: LambdaFunction, v?: FunctionVersion): Out<FunctionConfiguration> {
    if (!v) return this.configuration(fn, { config: fn, version: LATEST, arn: `${fn.arn}:${LATEST}` });
    return this.configuration(fn, { config: v, version: v.version, arn: `${fn.arn}:${v.version}` });
  }

  /** The configuration of what a request named (GetFunction with a qualifier shows the ARN it was asked by). */
  targetConfiguration(t: Target): Out<FunctionConfiguration> {
    return this.configuration(t.fn, { config: t.config, version: t.version, arn: t.arn });
  }

  /**
   * Starts a transition: Pending (create) or LastUpdateStatus InProgress (update), ending a few emulated ms
   * later, so `waitUntilFunctionActiveV2` / `waitUntilFunctionUpdatedV2` see the states AWS goes through.
   * Invocations and further updates in that window wait for it rather than failing (AWS answers
   * ResourceConflictException there; an emulator that fails only when a request lands in a 5 ms window would be flaky).
   */
  private transition(fn: LambdaFunction, kind: 'create' | 'update'): void {
    if (kind === 'create') {
      fn.state = 'Pending';
      fn.stateReason = 'The function is being created.';
      fn.stateReasonCode = 'Creating';
      fn.lastUpdateStatus = undefined;
    } else {
      fn.lastUpdateStatus = 'InProgress';
      fn.lastUpdateStatusReason = 'The function is being updated.';
    }
    let done!: () => void;
    fn.settled = new Promise<void>((resolve) => (done = resolve));
    const timer = this.core.timers.set(TRANSITION_MS, () => finish());
    const finish = () => {
      timer.cancel();
      fn.state = 'Active';
      fn.stateReason = undefined;
      fn.stateReasonCode = undefined;
      fn.lastUpdateStatus = 'Successful';
      fn.lastUpdateStatusReason = undefined;
      fn.settle = undefined;
      done();
    };
    fn.settle = finish;
  }

  private touch(fn: LambdaFunction): void {
    fn.lastModified = this.core.deps.clock.now();
    fn.revisionId = uuid();
  }

  async create(input: CreateFunctionCommandInput, ctx: RequestContext) {
    const name = checkFunctionName(input.FunctionName);
    if (input.PackageType === 'Image') throw new AwsError('InvalidParameterValueException', 'The emulator runs .zip deployment packages only (PackageType Zip).', 400);
    checkRole(input.Role);
    checkRuntime(input.Runtime);
    checkHandler(input.Handler);
    checkRange('timeout', input.Timeout, LIMITS.timeout);
    checkRange('memorySize', input.MemorySize, LIMITS.memory);
    checkRange('ephemeralStorage.size', input.EphemeralStorage?.Size, LIMITS.ephemeralStorage);
    checkArchitectures(input.Architectures);
    checkEnvironment(input.Environment?.Variables);
    checkDeadLetterTarget(input.DeadLetterConfig?.TargetArn);
    const logging = resolveLogging(undefined, input.LoggingConfig);
    if (!input.Code) throw new AwsError('ValidationException', "1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null", 400);
    const scope = { region: ctx.region, accountId: ctx.accountId };
    const layers = resolveLayers(this.core, input.Layers, scope);
    const arn = functionArn(scope, name);
    if (this.core.functions.has(arn)) throw new AwsError('ResourceConflictException', `Function already exist: ${name}`, 409, { Type: 'User' });
    const codeSigning = this.codeSigning.forFunction(input.CodeSigningConfigArn);
    this.codeSigning.checkDeployment(name, codeSigning?.arn, { code: true, layers });

    const code = await prepareCode(this.core.deps.bus, input.Code, this.keepZip);
    try {
      checkUnzippedTotal(code.unzippedSize, layers);
      // Another CreateFunction for the same name may have finished while this one unpacked its code.
      if (this.core.functions.has(arn)) throw new AwsError('ResourceConflictException', `Function already exist: ${name}`, 409, { Type: 'User' });
    } catch (e) {
      await removeCodeDir(code.dir);
      throw e;
    }
    const fn: LambdaFunction = {
      name,
      arn,
      ...scope,
      runtime: input.Runtime!,
      handler: input.Handler!,
      role: input.Role!,
      description: input.Description ?? '',
      timeout: input.Timeout ?? DEFAULT_TIMEOUT,
      memorySize: input.MemorySize ?? DEFAULT_MEMORY,
      environment: input.Environment?.Variables ? { ...input.Environment.Variables } : undefined,
      deadLetterTargetArn: input.DeadLetterConfig?.TargetArn || undefined,
      architectures: input.Architectures?.length ? [...input.Architectures] : ['x86_64'],
      ephemeralStorageMb: input.EphemeralStorage?.Size,
      tracingMode: input.TracingConfig?.Mode ?? 'PassThrough',
      ...(logging ? { logging } : {}),
      code,
      layers,
      oldCodeDirs: [],
      lastModified: this.core.deps.clock.now(),
      revisionId: uuid(),
      state: 'Pending',
      settled: Promise.resolve(),
      policy: [],
      tags: { ...(input.Tags ?? {}) },
      recursiveLoop: 'Terminate',
      versions: new Map(),
      lastVersion: 0,
      aliases: new Map(),
      urlConfigs: new Map(),
      provisioned: new Map(),
      ...(codeSigning ? { codeSigningConfigArn: codeSigning.arn } : {}),
      deleted: false,
    };
    this.core.functions.set(arn, fn);
    this.transition(fn, 'create');
    this.core.deps.bus.record({ type: 'lambda.function.create', functionName: name, codeSha256: code.sha256 });
    // Publish: the answer is version 1's configuration under the unqualified ARN, as Lambda answers it.
    if (input.Publish) {
      const v = this.versions.publishFrom(fn);
      return withMeta(this.configuration(fn, { config: v, version: v.version, arn: fn.arn }), { status: 201 });
    }
    return withMeta(this.configuration(fn), { status: 201 });
  }

  get(input: GetFunctionCommandInput, ctx: RequestContext): Out<GetFunctionCommandOutput> {
    const t = this.resolve(input.FunctionName, ctx, input.Qualifier);
    const fn = t.fn;
    return {
      Configuration: this.targetConfiguration(t),
      Code: {
        RepositoryType: 'S3',
        // A placeholder in the shape of Lambda's presigned URL; the emulator does not serve code downloads.
        Location: `https://awslambda-${fn.region}-tasks.s3.${fn.region}.amazonaws.com/snapshots/${fn.accountId}/${fn.name}-${t.config.revisionId}`,
      },
      ...(Object.keys(fn.tags).length ? { Tags: { ...fn.tags } } : {}),
      ...(fn.reservedConcurrency !== undefined ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } } : {}),
    };
  }

  getConfiguration(input: GetFunctionConfigurationCommandInput, ctx: RequestContext): Out<FunctionConfiguration> {
    return this.targetConfiguration(this.resolve(input.FunctionName, ctx, input.Qualifier));
  }

  list(input: ListFunctionsCommandInput, ctx: RequestContext): Out<ListFunctionsCommandOutput> {
    const all = [...this.core.functions.values()]
      .filter((f) => f.region === ctx.region && f.accountId === ctx.accountId)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    checkRange('maxItems', input.MaxItems, [1, 10_000]);
    if (input.FunctionVersion !== undefined && input.FunctionVersion !== 'ALL') {
      throw validation('functionVersion', input.FunctionVersion, 'Member must satisfy enum value set: [ALL]');
    }
    const size = Math.min(input.MaxItems ?? 50, 50);
    if (input.FunctionVersion === 'ALL') {
      // Every version of every function: each function's $LATEST, then its published versions.
      const every = all.flatMap((f) => [
        this.versionConfiguration(f),
        ...[...f.versions.values()].map((v) => this.versionConfiguration(f, v)),
      ]);
      const { page, nextMarker } = offsetPage(every, input.Marker, size);
      return { Functions: page, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
    }
    const start = input.Marker ? all.findIndex((f) => f.name > Buffer.from(input.Marker!, 'base64').toString('utf8')) : 0;
    const page = start < 0 ? [] : all.slice(start, start + size);
    const more = start >= 0 && start + size < all.length;
    return {
      Functions: page.map((f) => this.configuration(f)),
      ...(more ? { NextMarker: Buffer.from(page[page.length - 1]!.name).toString('base64') } : {}),
    };
  }

  async updateCode(input: UpdateFunctionCodeCommandInput, ctx: RequestContext) {
    let fn = this.find(input.FunctionName, ctx);
    await fn.settled;
    fn = this.find(input.FunctionName, ctx);
    if (input.RevisionId && input.RevisionId !== fn.revisionId) throw revisionMismatch();
    checkArchitectures(input.Architectures);
    this.codeSigning.checkDeployment(fn.name, fn.codeSigningConfigArn, { code: true });
    if (input.Architectures?.length) fn.architectures = [...input.Architectures];
    const code = await prepareCode(this.core.deps.bus, input, this.keepZip);
    try {
      checkUnzippedTotal(code.unzippedSize, fn.layers);
    } catch (e) {
      await removeCodeDir(code.dir);
      throw e;
    }
    if (input.DryRun) {
      await removeCodeDir(code.dir);
      return { ...this.configuration(fn), CodeSha256: code.sha256, CodeSize: code.size };
    }
    if (fn.deleted) {
      await removeCodeDir(code.dir);
      throw notFound(fn.arn);
    }
    fn.oldCodeDirs.push(fn.code.dir);
    fn.code = code;
    this.touch(fn);
    this.transition(fn, 'update');
    // Warm $LATEST environments run the old code: new invocations must start fresh ones (versions keep theirs).
    await this.executor.retire(fn.name, LATEST);
    this.core.deps.bus.record({ type: 'lambda.function.update-code', functionName: fn.name, codeSha256: code.sha256 });
    // Publish: the new code becomes a version at once; the answer is that version's configuration, as on AWS.
    if (input.Publish) {
      return this.versionConfiguration(fn, this.versions.publishFrom(fn));
    }
    return this.configuration(fn);
  }

  async updateConfiguration(input: UpdateFunctionConfigurationCommandInput, ctx: RequestContext) {
    let fn = this.find(input.FunctionName, ctx);
    await fn.settled;
    fn = this.find(input.FunctionName, ctx);
    if (input.RevisionId && input.RevisionId !== fn.revisionId) throw revisionMismatch();
    if (input.Role !== undefined) checkRole(input.Role);
    if (input.Runtime !== undefined) checkRuntime(input.Runtime);
    if (input.Handler !== undefined) checkHandler(input.Handler);
    checkRange('timeout', input.Timeout, LIMITS.timeout);
    checkRange('memorySize', input.MemorySize, LIMITS.memory);
    checkRange('ephemeralStorage.size', input.EphemeralStorage?.Size, LIMITS.ephemeralStorage);
    checkEnvironment(input.Environment?.Variables);
    checkDeadLetterTarget(input.DeadLetterConfig?.TargetArn);
    const layers = input.Layers !== undefined ? resolveLayers(this.core, input.Layers, fn) : undefined;
    if (layers) checkUnzippedTotal(fn.code.unzippedSize, layers);
    // Only layers the function does not have yet are new deployments for its code signing configuration.
    const added = layers?.filter((l) => !fn.layers?.some((old) => old.arn === l.arn));
    this.codeSigning.checkDeployment(fn.name, fn.codeSigningConfigArn, { layers: added });
    const logging = resolveLogging(fn.logging, input.LoggingConfig);

    if (input.Role !== undefined) fn.role = input.Role;
    // New layers need new environments: the runtime pool matches environments on them and starts fresh ones.
    if (layers) fn.layers = layers;
    if (input.EphemeralStorage?.Size !== undefined) fn.ephemeralStorageMb = input.EphemeralStorage.Size;
    if (input.Runtime !== undefined) fn.runtime = input.Runtime;
    if (input.Handler !== undefined) fn.handler = input.Handler;
    if (input.Description !== undefined) fn.description = input.Description;
    if (input.Timeout !== undefined) fn.timeout = input.Timeout;
    if (input.MemorySize !== undefined) fn.memorySize = input.MemorySize;
    if (input.Environment !== undefined) {
      const vars = input.Environment.Variables ?? {};
      fn.environment = Object.keys(vars).length ? { ...vars } : undefined;
    }
    if (input.DeadLetterConfig !== undefined) fn.deadLetterTargetArn = input.DeadLetterConfig.TargetArn || undefined;
    if (input.TracingConfig?.Mode) fn.tracingMode = input.TracingConfig.Mode;
    // A new format, level or group needs new environments: the runtime pool matches environments on them too.
    if (logging) fn.logging = logging;
    this.touch(fn);
    this.transition(fn, 'update');
    this.core.deps.bus.record({ type: 'lambda.function.update-configuration', functionName: fn.name });
    return this.configuration(fn);
  }

  async delete(input: DeleteFunctionCommandInput, ctx: RequestContext) {
    const parsed = parseFunctionRef(input.FunctionName, ctx, input.Qualifier);
    const q = parsed.qualifier;
    if (q === LATEST) throw new AwsError('InvalidParameterValueException', '$LATEST version cannot be deleted without deleting the function.', 400, { Type: 'User' });
    const fn = this.core.functions.get(parsed.arn);
    if (!fn) throw notFound(parsed.arn);
    if (q !== undefined) {
      // A qualifier deletes one version; an alias goes with DeleteAlias. A version already gone is not an error.
      if (!VERSION_NUMBER.test(q)) throw new AwsError('InvalidParameterValueException', 'Deletion of aliases is not currently supported.', 400, { Type: 'User' });
      await this.versions.deleteVersion(fn, q);
      return withMeta({}, { status: 204 });
    }
    this.core.functions.delete(fn.arn);
    await this.dispose(fn);
    this.core.deps.bus.record({ type: 'lambda.function.delete', functionName: fn.name });
    return withMeta({}, { status: 204 });
  }

  /** Forgets a function: stops its environments and removes its task roots. */
  async dispose(fn: LambdaFunction): Promise<void> {
    fn.deleted = true;
    fn.settle?.();
    await this.executor.retire(fn.name).catch(() => undefined);
    const dirs = new Set([...fn.oldCodeDirs, fn.code.dir, ...[...fn.versions.values()].map((v) => v.code.dir)]);
    for (const dir of dirs) await removeCodeDir(dir);
  }
}
