import type {
  ListVersionsByFunctionCommandInput,
  ListVersionsByFunctionCommandOutput,
  PublishVersionCommandInput,
} from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { withMeta } from '../core/service';
import type { Executor } from './execution';
import type { FunctionStore } from './functions';
import { offsetPage } from './paging';
import { revisionMismatch } from './permissions';
import type { FunctionConfig, FunctionVersion, LambdaCore, LambdaFunction, Out } from './state';
import { checkRange } from './validation';

/** Everything whose change makes PublishVersion publish again (a policy or tag change does not). */
function configFingerprint(c: FunctionConfig): string {
  const env = Object.entries(c.environment ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    c.code.sha256, c.runtime, c.handler, c.role, c.description, c.timeout, c.memorySize, env,
    c.deadLetterTargetArn ?? null, c.architectures, c.ephemeralStorageMb ?? null, c.tracingMode,
    (c.layers ?? []).map((l) => [l.arn, l.sha256]),
    [c.logging?.format, c.logging?.applicationLogLevel, c.logging?.systemLogLevel, c.logging?.logGroup],
  ]);
}

/** The configuration fields a version freezes, copied so later changes to $LATEST cannot reach them. */
function frozenCopy(fn: LambdaFunction): FunctionConfig {
  return {
    runtime: fn.runtime,
    handler: fn.handler,
    role: fn.role,
    description: fn.description,
    timeout: fn.timeout,
    memorySize: fn.memorySize,
    ...(fn.environment ? { environment: { ...fn.environment } } : {}),
    ...(fn.deadLetterTargetArn ? { deadLetterTargetArn: fn.deadLetterTargetArn } : {}),
    architectures: [...fn.architectures],
    ...(fn.ephemeralStorageMb !== undefined ? { ephemeralStorageMb: fn.ephemeralStorageMb } : {}),
    tracingMode: fn.tracingMode,
    // The same task root as $LATEST: UpdateFunctionCode unpacks new code elsewhere and keeps this one.
    code: fn.code,
    // The layers it has now, content included: a later DeleteLayerVersion does not reach a published version.
    ...(fn.layers?.length ? { layers: [...fn.layers] } : {}),
    ...(fn.logging ? { logging: { ...fn.logging } } : {}),
    lastModified: fn.lastModified,
    revisionId: fn.revisionId,
  };
}

/** PublishVersion, ListVersionsByFunction and deleting one version (DeleteFunction with a number). */
export class Versions {
  constructor(
    private readonly core: LambdaCore,
    private readonly store: FunctionStore,
    private readonly executor: Executor,
  ) {}

  publish(input: PublishVersionCommandInput, ctx: RequestContext) {
    const fn = this.store.find(input.FunctionName, ctx);
    if (fn.state === 'Pending' || fn.lastUpdateStatus === 'InProgress') {
      throw new AwsError('ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${fn.arn}`, 409, { Type: 'User' });
    }
    if (input.RevisionId && input.RevisionId !== fn.revisionId) throw revisionMismatch();
    if (input.CodeSha256 && input.CodeSha256 !== fn.code.sha256) {
      throw new AwsError(
        'InvalidParameterValueException',
        `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${fn.code.sha256}). Please try again with the CodeSHA256 in $LATEST.`,
        400,
        { Type: 'User' },
      );
    }
    return withMeta(this.store.versionConfiguration(fn, this.publishFrom(fn, input.Description)), { status: 201 });
  }

  /** Snapshots $LATEST as the next version, unless nothing changed since the newest version (then that one). */
  publishFrom(fn: LambdaFunction, description?: string): FunctionVersion {
    const fingerprint = configFingerprint(fn);
    const newest = [...fn.versions.values()].at(-1);
    if (newest && newest.fingerprint === fingerprint) return newest;
    const version = String(++fn.lastVersion);
    const v: FunctionVersion = {
      ...frozenCopy(fn),
      ...(description !== undefined ? { description } : {}),
      version,
      fingerprint,
      lastModified: this.core.deps.clock.now(),
      revisionId: uuid(),
      policy: [],
    };
    fn.versions.set(version, v);
    // Publishing is a change to $LATEST as well: Lambda gives it a new RevisionId (not when nothing was published).
    fn.revisionId = uuid();
    this.core.deps.bus.record({ type: 'lambda.function.publish', functionName: fn.name, version, codeSha256: v.code.sha256 });
    return v;
  }

  list(input: ListVersionsByFunctionCommandInput, ctx: RequestContext): Out<ListVersionsByFunctionCommandOutput> {
    const fn = this.store.find(input.FunctionName, ctx);
    checkRange('maxItems', input.MaxItems, [1, 10_000]);
    const all = [this.store.versionConfiguration(fn), ...[...fn.versions.values()].map((v) => this.store.versionConfiguration(fn, v))];
    const { page, nextMarker } = offsetPage(all, input.Marker, Math.min(input.MaxItems ?? 50, 50));
    return { Versions: page, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }

  /** DeleteFunction with a version number: refused while an alias points at it; an absent version is a no-op. */
  async deleteVersion(fn: LambdaFunction, version: string): Promise<void> {
    const v = fn.versions.get(version);
    if (!v) return;
    const referencing = [...fn.aliases.values()].filter((a) => a.functionVersion === version || a.weights?.[version] !== undefined).map((a) => a.name);
    if (referencing.length) {
      throw new AwsError('ResourceConflictException', `Unable to delete version because the following aliases reference it: [${referencing.join(', ')}]`, 409, { Type: 'User' });
    }
    fn.versions.delete(version);
    fn.provisioned.delete(version);
    if (fn.runtimeManagement) delete fn.runtimeManagement[version];
    await this.executor.retire(fn.name, version);
    // Its task root may still serve a finishing invocation: it goes when the function does.
    const dir = v.code.dir;
    const inUse = dir === fn.code.dir || fn.oldCodeDirs.includes(dir) || [...fn.versions.values()].some((o) => o.code.dir === dir);
    if (!inUse) fn.oldCodeDirs.push(dir);
    this.core.deps.bus.record({ type: 'lambda.function.delete-version', functionName: fn.name, version });
  }
}
