import type {
  CreateEventSourceMappingCommandInput,
  DeleteEventSourceMappingCommandInput,
  EventSourceMappingConfiguration,
  GetEventSourceMappingCommandInput,
  ListEventSourceMappingsCommandInput,
  ListEventSourceMappingsCommandOutput,
  UpdateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { parseArn, uuid } from '../core/ids';
import { validateEventPattern } from '../core/patterns';
import { withMeta } from '../core/service';
import type { Executor } from './execution';
import type { FunctionStore } from './functions';
import { mappingArn, unqualifiedArn, validation } from './names';
import { offsetPage } from './paging';
import { SqsPoller } from './poller';
import { TRANSITION_MS, type EventSourceMapping, type LambdaCore, type Out } from './state';
import { checkRange } from './validation';

/** What the SQS provider tells about a queue (`sqs.queueInfo`). */
interface QueueInfo {
  exists: boolean;
  fifo?: boolean;
  visibilityTimeout?: number;
}

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message, 400, { Type: 'User' });
const notFound = () => new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404, { Type: 'User' });

const DEFAULT_BATCH_SIZE = 10;
const MAX_FILTERS = 5;

/** Create/Get/List/Update/DeleteEventSourceMapping for SQS queues; each enabled mapping runs an SqsPoller. */
export class EventSourceMappings {
  private readonly pollers = new Map<string, SqsPoller>();

  constructor(
    private readonly core: LambdaCore,
    private readonly store: FunctionStore,
    private readonly executor: Executor,
  ) {}

  render(m: EventSourceMapping): Out<EventSourceMappingConfiguration> {
    return {
      UUID: m.uuid,
      BatchSize: m.batchSize,
      MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
      EventSourceArn: m.eventSourceArn,
      ...(m.filterCriteria?.Filters?.length ? { FilterCriteria: { Filters: m.filterCriteria.Filters.map((f) => ({ ...f })) } } : {}),
      FunctionArn: m.functionArn,
      LastModified: new Date(m.lastModified),
      LastProcessingResult: m.lastProcessingResult,
      State: m.state,
      StateTransitionReason: m.stateTransitionReason,
      FunctionResponseTypes: [...(m.functionResponseTypes ?? [])] as 'ReportBatchItemFailures'[],
      ...(m.scalingConfig?.MaximumConcurrency !== undefined ? { ScalingConfig: { MaximumConcurrency: m.scalingConfig.MaximumConcurrency } } : {}),
      EventSourceMappingArn: m.arn,
    };
  }

  private require(id: string | undefined): EventSourceMapping {
    const m = id ? this.core.mappings.get(id) : undefined;
    if (!m) throw notFound();
    return m;
  }

  private async queueInfo(queueArn: string): Promise<QueueInfo> {
    try {
      return await this.core.deps.bus.ask<{ queueArn: string }, QueueInfo>('sqs.queueInfo', { queueArn });
    } catch {
      return { exists: false };
    }
  }

  /** Checks of the SQS-specific settings, with Lambda's messages. */
  private checkSettings(s: { batchSize: number; window: number; fifo: boolean; responseTypes?: string[]; maxConcurrency?: number; filters?: { Pattern?: string }[] }): void {
    checkRange('batchSize', s.batchSize, [1, 10_000]);
    checkRange('maximumBatchingWindowInSeconds', s.window, [0, 300]);
    if (s.fifo && s.batchSize > 10) throw invalid('Batch size for SQS FIFO queues must be between 1 and 10.');
    if (s.fifo && s.window > 0) throw invalid('Batching window is not supported for FIFO queues.');
    if (s.batchSize > 10 && s.window < 1) throw invalid('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
    for (const t of s.responseTypes ?? []) {
      if (t !== 'ReportBatchItemFailures') throw validation('functionResponseTypes', s.responseTypes, 'Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]');
    }
    if (s.maxConcurrency !== undefined) checkRange('scalingConfig.maximumConcurrency', s.maxConcurrency, [2, 1000]);
    if ((s.filters?.length ?? 0) > MAX_FILTERS) throw invalid(`The number of filters in FilterCriteria exceeds the limit of ${MAX_FILTERS}.`);
    for (const f of s.filters ?? []) {
      try {
        validateEventPattern(f.Pattern ?? '');
      } catch (e) {
        throw invalid(`Invalid filter pattern definition. ${(e as Error).message}`);
      }
    }
  }

  /** Lambda refuses a mapping whose queue would hand messages out again while the function still runs. */
  private checkVisibility(info: QueueInfo, timeout: number): void {
    const vt = info.visibilityTimeout ?? 30;
    if (vt < timeout) throw invalid(`Queue visibility timeout: ${vt} seconds is less than Function timeout: ${timeout} seconds`);
  }

  async create(input: CreateEventSourceMappingCommandInput, ctx: RequestContext) {
    const sourceArn = input.EventSourceArn;
    const parsed = sourceArn ? parseArn(sourceArn) : undefined;
    if (!sourceArn || !parsed) throw invalid('Unrecognized event source, must be kinesis, dynamodb stream or sqs.');
    if (parsed.service !== 'sqs') throw invalid(`The emulator supports SQS event sources only (got ${sourceArn}).`);
    // FunctionName may name a version or alias (`fn:live`, a qualified ARN): the mapping invokes that.
    const target = this.store.resolve(input.FunctionName, ctx);
    const fn = target.fn;
    // A function reads only its own Region's queues (other accounts' are allowed, with the queue's permission).
    if (parsed.region !== fn.region) throw invalid(`Event source region must match Lambda region ${fn.region}.`);
    const info = await this.queueInfo(sourceArn);
    if (!info.exists) {
      throw invalid('Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version.');
    }
    const fifo = info.fifo ?? sourceArn.endsWith('.fifo');
    const batchSize = input.BatchSize ?? DEFAULT_BATCH_SIZE;
    const window = input.MaximumBatchingWindowInSeconds ?? 0;
    this.checkSettings({
      batchSize,
      window,
      fifo,
      responseTypes: input.FunctionResponseTypes,
      maxConcurrency: input.ScalingConfig?.MaximumConcurrency,
      filters: input.FilterCriteria?.Filters,
    });
    for (const other of this.core.mappings.values()) {
      if (other.eventSourceArn === sourceArn && other.functionArn === target.arn) {
        throw new AwsError(
          'ResourceConflictException',
          `The event source arn (" ${sourceArn} ") and function (" ${fn.name} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${other.uuid}`,
          409,
          { Type: 'User' },
        );
      }
    }
    this.checkVisibility(info, target.config.timeout);

    const id = uuid();
    const m: EventSourceMapping = {
      uuid: id,
      arn: mappingArn(ctx, id),
      functionArn: target.arn,
      eventSourceArn: sourceArn,
      fifo,
      batchSize,
      maximumBatchingWindowInSeconds: window,
      filterCriteria: input.FilterCriteria?.Filters?.length ? input.FilterCriteria : undefined,
      functionResponseTypes: input.FunctionResponseTypes,
      scalingConfig: input.ScalingConfig,
      enabled: input.Enabled ?? true,
      state: 'Creating',
      stateTransitionReason: 'USER_INITIATED',
      lastModified: this.core.deps.clock.now(),
      lastProcessingResult: 'No records processed',
      tags: { ...(input.Tags ?? {}) },
    };
    this.core.mappings.set(id, m);
    this.settle(m);
    this.core.deps.bus.record({ type: 'lambda.esm.create', uuid: id, functionName: fn.name, eventSourceArn: sourceArn });
    return withMeta(this.render(m), { status: 202 });
  }

  /** Ends a Creating/Enabling/Updating/Disabling state a few ms later, starting or stopping the poller. */
  private settle(m: EventSourceMapping): void {
    this.core.timers.set(TRANSITION_MS, () => {
      if (this.core.mappings.get(m.uuid) !== m || m.state === 'Deleting') return;
      m.state = m.enabled ? 'Enabled' : 'Disabled';
      if (m.enabled) this.startPoller(m);
      else this.stopPoller(m.uuid);
    });
  }

  /** A mapping brought back by a restart: in its settled state, polling when enabled. */
  resume(m: EventSourceMapping): void {
    m.state = m.enabled ? 'Enabled' : 'Disabled';
    this.core.mappings.set(m.uuid, m);
    if (m.enabled) this.startPoller(m);
  }

  private startPoller(m: EventSourceMapping): void {
    const existing = this.pollers.get(m.uuid);
    if (existing) {
      existing.pump();
      return;
    }
    const poller = new SqsPoller(this.core, this.executor, m);
    this.pollers.set(m.uuid, poller);
    void poller.start();
  }

  private stopPoller(id: string): void {
    this.pollers.get(id)?.stop();
    this.pollers.delete(id);
  }

  get(input: GetEventSourceMappingCommandInput) {
    return this.render(this.require(input.UUID));
  }

  list(input: ListEventSourceMappingsCommandInput, ctx: RequestContext): Out<ListEventSourceMappingsCommandOutput> {
    // A qualified FunctionName lists that version's or alias's mappings; an unqualified one, all of the function's.
    const target = input.FunctionName ? this.store.resolve(input.FunctionName, ctx) : undefined;
    const ofFunction = (m: EventSourceMapping) =>
      !target || (target.qualifier !== undefined ? m.functionArn === target.arn : unqualifiedArn(m.functionArn) === target.fn.arn);
    const all = [...this.core.mappings.values()].filter((m) => ofFunction(m) && (!input.EventSourceArn || m.eventSourceArn === input.EventSourceArn));
    checkRange('maxItems', input.MaxItems, [1, 10_000]);
    const { page, nextMarker } = offsetPage(all, input.Marker, input.MaxItems ?? 100);
    return { EventSourceMappings: page.map((m) => this.render(m)), ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }

  async update(input: UpdateEventSourceMappingCommandInput, ctx: RequestContext) {
    const m = this.require(input.UUID);
    if (m.state === 'Creating' || m.state === 'Updating' || m.state === 'Enabling' || m.state === 'Disabling' || m.state === 'Deleting') {
      throw new AwsError(
        'ResourceInUseException',
        `Cannot update the event source mapping because it is in use. Current state: ${m.state}.`,
        400,
        { Type: 'User' },
      );
    }
    const target = input.FunctionName ? this.store.resolve(input.FunctionName, ctx) : undefined;
    const batchSize = input.BatchSize ?? m.batchSize;
    const window = input.MaximumBatchingWindowInSeconds ?? m.maximumBatchingWindowInSeconds;
    this.checkSettings({
      batchSize,
      window,
      fifo: m.fifo,
      responseTypes: input.FunctionResponseTypes,
      maxConcurrency: input.ScalingConfig?.MaximumConcurrency,
      filters: input.FilterCriteria?.Filters,
    });
    // Reports say Update does not repeat CreateEventSourceMapping's visibility timeout check, so neither does this.
    if (target) m.functionArn = target.arn;
    m.batchSize = batchSize;
    m.maximumBatchingWindowInSeconds = window;
    if (input.FilterCriteria !== undefined) m.filterCriteria = input.FilterCriteria.Filters?.length ? input.FilterCriteria : undefined;
    if (input.FunctionResponseTypes !== undefined) m.functionResponseTypes = input.FunctionResponseTypes;
    if (input.ScalingConfig !== undefined) m.scalingConfig = input.ScalingConfig.MaximumConcurrency !== undefined ? input.ScalingConfig : undefined;
    const wasEnabled = m.enabled;
    if (input.Enabled !== undefined) m.enabled = input.Enabled;
    m.state = m.enabled === wasEnabled ? 'Updating' : m.enabled ? 'Enabling' : 'Disabling';
    m.lastModified = this.core.deps.clock.now();
    // A disabled mapping stops taking new batches at once; batches in flight finish.
    if (!m.enabled) this.stopPoller(m.uuid);
    this.settle(m);
    return withMeta(this.render(m), { status: 202 });
  }

  async delete(input: DeleteEventSourceMappingCommandInput) {
    const m = this.require(input.UUID);
    m.state = 'Deleting';
    m.lastModified = this.core.deps.clock.now();
    this.stopPoller(m.uuid);
    const out = this.render(m);
    this.core.timers.set(TRANSITION_MS, () => {
      if (this.core.mappings.get(m.uuid) === m) this.core.mappings.delete(m.uuid);
    });
    this.core.deps.bus.record({ type: 'lambda.esm.delete', uuid: m.uuid });
    return withMeta(out, { status: 202 });
  }

  /** Stops every poller (reset, close). */
  stopAll(): void {
    for (const id of [...this.pollers.keys()]) this.stopPoller(id);
  }
}
