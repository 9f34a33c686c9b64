import type * as P from '@aws-sdk/client-pipes';
import type { Timer } from '../core/clock';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import { persistedMaps } from '../core/persist-whole';
import type { Persistable, ServiceDeps } from '../core/service';
import { arnService, describe, listed, pipeArn, summary, TRANSITIONAL, type PipeRecord } from './model';
import { SqsPipePoller } from './poller';
import * as check from './validation';

/** How long (emulated) CREATING, UPDATING, STARTING, STOPPING and DELETING last: a client polling DescribePipe sees them. */
const TRANSITION_MS = 5;
/** Targets the emulator delivers to (those the delivery bus has a receiver for). */
const RUN_TARGETS = new Set(['sqs', 'sns', 'lambda', 'events', 'logs']);

/** What SQS tells about a queue (`sqs.queueInfo`). */
interface QueueInfo {
  exists: boolean;
  fifo?: boolean;
}

const notFound = (name: string | undefined) => new AwsError('NotFoundException', `Pipe ${name} does not exist.`, 404);
const conflict = (name: string, message: string) => new AwsError('ConflictException', message, 409, { resourceId: name, resourceType: 'pipe' });

/**
 * EventBridge Pipes: pipes from a source to a target with filtering, enrichment and input templates. Pipes whose
 * source is an SQS queue run (poller.ts) when their enrichment is a Lambda function (or none) and their target one of
 * SQS, SNS, Lambda, an event bus or a log group; other pipes are kept and shown RUNNING with a StateReason saying why
 * the emulator does not run them. State changes (CREATING → RUNNING, STOPPING → STOPPED…) finish on the emulator
 * clock a few milliseconds later, as a client polling DescribePipe expects.
 */
export function createPipesProvider(deps: ServiceDeps) {
  const { bus, clock } = deps;
  /** By ARN, so that each account and Region has its own pipes (the ARN holds both and the name). */
  const pipes = new Map<string, PipeRecord>();
  const pollers = new Map<string, SqsPipePoller>();
  const timers = new Set<Timer>();

  const later = (fn: () => void) => {
    const t = clock.setTimer(TRANSITION_MS, () => {
      timers.delete(t);
      fn();
    });
    timers.add(t);
  };

  const pipeNamed = (name: string | undefined, ctx: RequestContext): PipeRecord => {
    const p = name ? pipes.get(pipeArn(ctx.region, ctx.accountId, name)) : undefined;
    if (!p) throw notFound(name);
    return p;
  };

  const byArn = (arn: string | undefined): PipeRecord => {
    const name = arn?.match(/^arn:[^:]+:pipes:[^:]*:\d*:pipe\/(.+)$/)?.[1];
    const p = arn ? pipes.get(arn) : undefined;
    if (!p) throw notFound(name ?? arn);
    return p;
  };

  async function queueInfo(queueArn: string): Promise<QueueInfo> {
    try {
      return await bus.ask<{ queueArn: string }, QueueInfo>('sqs.queueInfo', { queueArn });
    } catch {
      return { exists: false };
    }
  }

  function stopPoller(arn: string): void {
    pollers.get(arn)?.stop();
    pollers.delete(arn);
  }

  /** Starts polling a RUNNING pipe's source when the emulator polls that kind of source. */
  function startPoller(p: PipeRecord): void {
    stopPoller(p.arn);
    p.stateReason = notRun(p);
    if (p.stateReason) return;
    const poller = new SqsPipePoller(deps, p);
    pollers.set(p.arn, poller);
    void poller.start();
  }

  /**
   * Why the emulator keeps this pipe without running it, if it does: a source it does not poll, or an enrichment or
   * target it cannot call. Not polling leaves the messages where they are instead of failing them into a DLQ.
   */
  function notRun(p: PipeRecord): string | undefined {
    const source = arnService(p.source);
    if (source !== 'sqs') return `The emulator does not poll ${source} sources: this pipe is kept but receives no events.`;
    if (p.enrichment && arnService(p.enrichment) !== 'lambda') return `The emulator calls Lambda function enrichments only (not ${p.enrichment}): this pipe is kept but does not poll its source.`;
    const target = arnService(p.target);
    if (!RUN_TARGETS.has(target ?? '')) return `The emulator does not deliver to ${target} targets: this pipe is kept but does not poll its source.`;
    return undefined;
  }

  /** Ends a transitional state: the pipe settles in its desired state (or goes, when deleted). */
  function settle(p: PipeRecord): void {
    later(() => {
      if (pipes.get(p.arn) !== p) return;
      if (p.desiredState === 'DELETED') {
        stopPoller(p.arn);
        pipes.delete(p.arn);
        return;
      }
      void settleNow(p);
    });
  }

  async function settleNow(p: PipeRecord): Promise<void> {
    if (arnService(p.source) === 'sqs' && !(await queueInfo(p.source)).exists) {
      const failed = p.currentState === 'CREATING' ? 'CREATE_FAILED' : p.currentState === 'UPDATING' ? 'UPDATE_FAILED' : p.currentState === 'STARTING' ? 'START_FAILED' : undefined;
      if (failed && p.desiredState === 'RUNNING') {
        stopPoller(p.arn);
        p.currentState = failed;
        p.stateReason = `The source queue ${p.source} does not exist.`;
        return;
      }
    }
    p.currentState = p.desiredState === 'RUNNING' ? 'RUNNING' : 'STOPPED';
    if (p.currentState === 'RUNNING') startPoller(p);
    else {
      stopPoller(p.arn);
      p.stateReason = undefined;
    }
    bus.record({ type: 'pipes.state', pipeName: p.name, state: p.currentState });
  }

  async function validateParts(input: { Source: string; SourceParameters?: P.PipeSourceParameters; Enrichment?: string; EnrichmentParameters?: P.PipeEnrichmentParameters; Target?: string; TargetParameters?: P.PipeTargetParameters; RoleArn?: string; Description?: string }) {
    check.checkDescription(input.Description);
    check.checkEnrichment(input.Enrichment);
    check.checkTarget(input.Target);
    check.checkRole(input.RoleArn);
    const fifo = arnService(input.Source) === 'sqs' && (input.Source.endsWith('.fifo') || Boolean((await queueInfo(input.Source)).fifo));
    check.checkSourceParameters(input.Source, input.SourceParameters, fifo);
    check.checkEnrichmentParameters(input.EnrichmentParameters);
    check.checkTargetParameters(input.Target ?? '', input.TargetParameters);
  }

  function checkDesired(state: string | undefined): void {
    if (state !== undefined && state !== 'RUNNING' && state !== 'STOPPED') {
      throw check.invalidField('desiredState', state, 'Member must satisfy enum value set: [RUNNING, STOPPED]');
    }
  }

  function requireSettled(p: PipeRecord, action: string): void {
    if (TRANSITIONAL.has(p.currentState)) {
      throw conflict(p.name, `Pipe ${p.name} cannot be ${action} while it is in state ${p.currentState}.`);
    }
  }

  const persistence: Persistable | undefined = deps.options.dataDir
    ? {
        ...persistedMaps({ pipes }, /^(Describe|List)/),
        // After a restart: transitions under way finish, and running pipes poll again.
        resume() {
          // Saved before pipes were kept per Region, they were keyed by name.
          for (const [key, p] of [...pipes]) {
            if (key === p.arn) continue;
            pipes.delete(key);
            pipes.set(p.arn, p);
          }
          for (const p of [...pipes.values()]) {
            if (p.desiredState === 'DELETED') pipes.delete(p.arn);
            else if (TRANSITIONAL.has(p.currentState) || p.currentState === 'RUNNING') void settleNow(p);
          }
        },
      }
    : undefined;

  function stopAll(): void {
    for (const arn of [...pollers.keys()]) stopPoller(arn);
    for (const t of timers) t.cancel();
    timers.clear();
  }

  return {
    persistence,
    reset() {
      stopAll();
      pipes.clear();
    },
    close() {
      stopAll();
    },

    async CreatePipe(input: P.CreatePipeCommandInput, ctx: RequestContext) {
      check.checkName(input.Name);
      check.checkSource(input.Source);
      checkDesired(input.DesiredState);
      check.checkTags(input.Tags);
      await validateParts({ ...input, Source: input.Source! });
      if (pipes.has(pipeArn(ctx.region, ctx.accountId, input.Name!))) throw conflict(input.Name!, `Pipe ${input.Name} already exists.`);
      const now = clock.now();
      const p: PipeRecord = {
        name: input.Name!,
        arn: pipeArn(ctx.region, ctx.accountId, input.Name!),
        description: input.Description,
        desiredState: input.DesiredState ?? 'RUNNING',
        currentState: 'CREATING',
        source: input.Source!,
        sourceParameters: input.SourceParameters,
        enrichment: input.Enrichment || undefined,
        enrichmentParameters: input.EnrichmentParameters,
        target: input.Target!,
        targetParameters: input.TargetParameters,
        roleArn: input.RoleArn!,
        tags: { ...(input.Tags ?? {}) },
        logConfiguration: input.LogConfiguration,
        kmsKeyIdentifier: input.KmsKeyIdentifier,
        creationTime: now,
        lastModifiedTime: now,
      };
      pipes.set(p.arn, p);
      bus.record({ type: 'pipes.create', pipeName: p.name, source: p.source, target: p.target });
      settle(p);
      return summary(p);
    },

    DescribePipe(input: P.DescribePipeCommandInput, ctx: RequestContext) {
      return describe(pipeNamed(input.Name, ctx));
    },

    ListPipes(input: P.ListPipesCommandInput, ctx: RequestContext) {
      check.checkNamePrefix('namePrefix', input.NamePrefix);
      checkDesired(input.DesiredState);
      if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > 100)) throw check.invalidField('limit', input.Limit, 'Member must have value between 1 and 100');
      const mine = pipeArn(ctx.region, ctx.accountId, '');
      const all = [...pipes.values()]
        .filter(
          (p) =>
            p.arn.startsWith(mine) &&
            (!input.NamePrefix || p.name.startsWith(input.NamePrefix)) &&
            (!input.SourcePrefix || p.source.startsWith(input.SourcePrefix)) &&
            (!input.TargetPrefix || p.target.startsWith(input.TargetPrefix)) &&
            (!input.DesiredState || p.desiredState === input.DesiredState) &&
            (!input.CurrentState || p.currentState === input.CurrentState),
        )
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const page = offsetPage(all, input.NextToken, input.Limit ?? 100, 'pipes', () => new AwsError('ValidationException', 'The provided NextToken is not valid.', 400));
      return { Pipes: page.items.map(listed), ...(page.next ? { NextToken: page.next } : {}) };
    },

    async UpdatePipe(input: P.UpdatePipeCommandInput, ctx: RequestContext) {
      const p = pipeNamed(input.Name, ctx);
      checkDesired(input.DesiredState);
      requireSettled(p, 'updated');
      // Members left out keep their values; a service's parameter object given is replaced whole (AWS's rule).
      const merged = <T extends object>(current: T | undefined, given: T | undefined): T | undefined => (given === undefined ? current : { ...(current ?? {}), ...given });
      const next = {
        Source: p.source,
        SourceParameters: merged(p.sourceParameters, input.SourceParameters as P.PipeSourceParameters | undefined),
        Enrichment: input.Enrichment !== undefined ? input.Enrichment : p.enrichment,
        EnrichmentParameters: merged(p.enrichmentParameters, input.EnrichmentParameters),
        Target: input.Target ?? p.target,
        TargetParameters: merged(p.targetParameters, input.TargetParameters),
        RoleArn: input.RoleArn,
        Description: input.Description ?? p.description,
      };
      await validateParts(next);
      p.sourceParameters = next.SourceParameters;
      p.enrichment = next.Enrichment || undefined;
      p.enrichmentParameters = next.EnrichmentParameters;
      p.target = next.Target;
      p.targetParameters = next.TargetParameters;
      p.roleArn = input.RoleArn!;
      p.description = next.Description;
      if (input.DesiredState) p.desiredState = input.DesiredState;
      if (input.LogConfiguration !== undefined) p.logConfiguration = input.LogConfiguration;
      if (input.KmsKeyIdentifier !== undefined) p.kmsKeyIdentifier = input.KmsKeyIdentifier || undefined;
      p.currentState = 'UPDATING';
      p.lastModifiedTime = clock.now();
      // The old poller stops at once; the new settings poll when the update settles.
      stopPoller(p.arn);
      settle(p);
      return summary(p);
    },

    StartPipe(input: P.StartPipeCommandInput, ctx: RequestContext) {
      const p = pipeNamed(input.Name, ctx);
      requireSettled(p, 'started');
      p.desiredState = 'RUNNING';
      p.lastModifiedTime = clock.now();
      if (p.currentState !== 'RUNNING') {
        p.currentState = 'STARTING';
        settle(p);
      }
      return summary(p);
    },

    StopPipe(input: P.StopPipeCommandInput, ctx: RequestContext) {
      const p = pipeNamed(input.Name, ctx);
      requireSettled(p, 'stopped');
      p.desiredState = 'STOPPED';
      p.lastModifiedTime = clock.now();
      if (p.currentState !== 'STOPPED') {
        p.currentState = 'STOPPING';
        // No new batches from now on; batches under way finish.
        stopPoller(p.arn);
        settle(p);
      }
      return summary(p);
    },

    DeletePipe(input: P.DeletePipeCommandInput, ctx: RequestContext) {
      const p = pipeNamed(input.Name, ctx);
      if (p.currentState === 'DELETING') throw conflict(p.name, `Pipe ${p.name} is already being deleted.`);
      p.desiredState = 'DELETED';
      p.currentState = 'DELETING';
      p.lastModifiedTime = clock.now();
      stopPoller(p.arn);
      bus.record({ type: 'pipes.delete', pipeName: p.name });
      settle(p);
      return summary(p);
    },

    TagResource(input: P.TagResourceCommandInput) {
      const p = byArn(input.resourceArn);
      const tags = { ...p.tags, ...(input.tags ?? {}) };
      check.checkTags(tags);
      p.tags = tags;
      return {};
    },

    UntagResource(input: P.UntagResourceCommandInput) {
      const p = byArn(input.resourceArn);
      for (const k of input.tagKeys ?? []) delete p.tags[k];
      return {};
    },

    ListTagsForResource(input: P.ListTagsForResourceCommandInput) {
      return { tags: { ...byArn(input.resourceArn).tags } };
    },
  };
}
