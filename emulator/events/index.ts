import { AwsError, constraintViolation } from '../core/errors';
import { restoreMaps, rewrittenWhole } from '../core/persist-whole';
import type { RequestContext } from '../core/context';
import type { DeliveryReceiver, Origin } from '../core/delivery';
import type { ServiceDeps } from '../core/service';
import { parseArn, uuid } from '../core/ids';
import { pathInArn } from './arns';
import { keyIn, rekeyByScope, scopeOfArn, valuesIn, type Scope } from '../core/scope';
import { matchesPattern } from '../core/patterns';
import { MAX_PUT_EVENTS_BYTES, putEventsEntrySize } from './entry-size';
import { checkEventPattern, eventNestsTooDeep, MAX_EVENT_NESTING, nestsTooDeep } from './nesting';
import { deliverToTarget, type Target } from './targets';
import { requireArchive, type Archive, type Replay } from './archives';
import { withoutTags, type Tag } from '../core/tags';
import { mergeTags, putPermission, removePermission, type BusPolicy } from './resource-settings';
import { isApiDestinationArn } from './api-destinations';
import { createWebhooks } from './webhooks';
import { validateTargetHttpParameters } from './http-parameters';
import { createRuleTimers, parseRuleSchedule } from './scheduled-rules';
import { isoSeconds } from '../core/calendar';

/** EventBridge's constraint on archive names. */
const ARCHIVE_NAME = /^[.\-_A-Za-z0-9]+$/;

/**
 * EventBridge: event buses, rules with event patterns, targets (SQS, SNS, Lambda, API destinations) with input
 * transforms, retries and dead-letter queues, archives and replay, connections and API destinations. S3 sends its events here through the delivery bus
 * when a bucket's notification configuration has EventBridgeConfiguration.
 */
interface Rule {
  Name: string;
  Arn: string;
  EventBusName: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State: 'ENABLED' | 'DISABLED';
  Description?: string;
  RoleArn?: string;
  targets: Map<string, Target>;
  /** Absent on rules saved before tags were kept. */
  Tags?: Tag[];
  /** A scheduled rule's rate counts from here (scheduled-rules.ts). */
  scheduleAnchor?: number;
}
interface EventBus {
  Name: string;
  Arn: string;
  CreationTime: Date;
  LastModifiedTime?: Date;
  Description?: string;
  KmsKeyIdentifier?: string;
  DeadLetterConfig?: { Arn?: string };
  LogConfig?: { IncludeDetail?: string; Level?: string };
  rules: Map<string, Rule>;
  Tags?: Tag[];
  /** The resource policy PutPermission / RemovePermission edit. */
  policy?: BusPolicy;
}

export function createEventsProvider(deps: ServiceDeps) {
  const { clock, bus, options } = deps;
  const home: Scope = { region: options.region, accountId: options.accountId };
  const buses = new Map<string, EventBus>();
  const archives = new Map<string, Archive>();
  const replays = new Map<string, Replay>();
  /** Ends pending deliveries (API calls in flight, retry and rate-limit timers) at reset() and close(). */
  let lifecycle = new AbortController();
  const webhooks = createWebhooks(deps, () => lifecycle.signal);
  const busArn = (name: string, region = options.region, account = options.accountId) => `arn:aws:events:${region}:${account}:event-bus/${name}`;

  /** Every account and Region has its default bus, made when first needed. */
  const defaultBus = (scope: Scope): EventBus => {
    const key = keyIn(scope, 'default');
    let b = buses.get(key);
    if (!b) buses.set(key, (b = { Name: 'default', Arn: busArn('default', scope.region, scope.accountId), CreationTime: new Date(clock.now()), rules: new Map() }));
    return b;
  };
  defaultBus(home);

  const notNull = (member: string) => constraintViolation('ValidationException', member, undefined, 'Member must not be null');
  /** A bus by name (in the caller's account and Region) or by ARN (in the ARN's). */
  const busByNameOrArn = (nameOrArn: string | undefined, caller: Scope): EventBus => {
    const byArn = nameOrArn?.startsWith('arn:');
    const name = !nameOrArn ? 'default' : byArn ? (pathInArn(nameOrArn, 'event-bus') ?? '') : nameOrArn;
    const scope = (byArn && scopeOfArn(nameOrArn!)) || caller;
    const b = name === 'default' ? defaultBus(scope) : buses.get(keyIn(scope, name));
    if (!b || (byArn && b.Arn !== nameOrArn)) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`, 400);
    return b;
  };
  const rule = (busName: string | undefined, name: string | undefined, caller: Scope): Rule => {
    const r = name ? busByNameOrArn(busName, caller).rules.get(name) : undefined;
    if (!r) throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${busName ?? 'default'}.`, 400);
    return r;
  };

  /** A bus or a rule named by its ARN (TagResource and friends): `…:event-bus/<bus>`, `…:rule/[<bus>/]<rule>`. */
  const taggable = (resourceArn: string | undefined, caller: Scope): { Tags?: Tag[] } => {
    const scope = scopeOfArn(resourceArn ?? '') ?? caller;
    const busName = pathInArn(resourceArn, 'event-bus');
    if (busName) return busByNameOrArn(busName, scope);
    const rulePath = pathInArn(resourceArn, 'rule')?.split('/');
    if (rulePath && rulePath.length <= 2) return rulePath.length === 2 ? rule(rulePath[0], rulePath[1], scope) : rule('default', rulePath[0], scope);
    throw new AwsError('ValidationException', `Parameter ResourceARN is not valid. Reason: ${resourceArn} is not an event bus or rule ARN.`, 400);
  };
  const busView = (b: EventBus) => ({
    Name: b.Name,
    Arn: b.Arn,
    Description: b.Description,
    KmsKeyIdentifier: b.KmsKeyIdentifier,
    DeadLetterConfig: b.DeadLetterConfig,
    LogConfig: b.LogConfig,
    Policy: b.policy ? JSON.stringify(b.policy) : undefined,
    CreationTime: b.CreationTime,
    LastModifiedTime: b.LastModifiedTime ?? b.CreationTime,
  });

  /** A rule's or archive's pattern, parsed once per text: every routed event is matched against each of them. */
  const parsedPatterns = new WeakMap<object, { text: string; pattern: object }>();
  const patternOf = (owner: object, text: string): object => {
    const known = parsedPatterns.get(owner);
    if (known?.text === text) return known.pattern;
    const pattern = JSON.parse(text) as object;
    parsedPatterns.set(owner, { text, pattern });
    return pattern;
  };

  function deliverToRuleTargets(r: Rule, event: Record<string, unknown>): void {
    const origin: Origin = { principal: 'events.amazonaws.com', sourceArn: r.Arn, sourceAccount: options.accountId, correlation: { eventId: String(event.id) } };
    for (const t of r.targets.values()) {
      const send = isApiDestinationArn(t.Arn) ? (input: string) => webhooks.invoke(t, input, event) : undefined;
      deliverToTarget(bus, clock, { ruleArn: r.Arn, ruleName: r.Name, target: t, event, origin, send, signal: lifecycle.signal });
    }
  }

  /** Scheduled rules live on the default bus only (AWS refuses them elsewhere), in their ARN's account and Region. */
  const scheduledRule = (arn: string): Rule | undefined => {
    const scope = scopeOfArn(arn);
    for (const r of (scope && buses.get(keyIn(scope, 'default')))?.rules.values() ?? []) if (r.Arn === arn) return r;
    return undefined;
  };
  const ruleTimers = createRuleTimers(clock, scheduledRule, (r, due) => {
    const { region, accountId: account } = parseArn(r.Arn)!;
    const event = {
      version: '0',
      id: uuid(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account,
      time: isoSeconds(due),
      region,
      resources: [r.Arn],
      detail: {},
    };
    bus.record({ type: 'events.scheduled', rule: r.Name, eventId: event.id, time: event.time });
    deliverToRuleTargets(r, event);
  });
  const armAllScheduled = () => {
    for (const b of buses.values()) if (b.Name === 'default') for (const r of b.rules.values()) if (r.ScheduleExpression) ruleTimers.arm(r.Arn);
  };

  /** Routes one event on a bus: archives it (unless replayed) and delivers it to every matching rule's targets. */
  function route(b: EventBus, event: Record<string, unknown>, opts: { replayOf?: Replay } = {}): void {
    if (!opts.replayOf) {
      for (const a of archives.values()) {
        if (a.State === 'ENABLED' && a.EventSourceArn === b.Arn && (!a.EventPattern || matchesPattern(patternOf(a, a.EventPattern), event, { mode: 'eventbridge' }))) {
          a.events.push({ time: clock.now(), event });
        }
      }
    }
    bus.record({ type: 'events.put', eventBus: b.Name, eventId: String(event.id), source: String(event.source), detailType: String(event['detail-type']) });
    let matched = 0;
    for (const r of b.rules.values()) {
      if (r.State !== 'ENABLED' || !r.EventPattern) continue;
      if (opts.replayOf?.Destination.FilterArns?.length && !opts.replayOf.Destination.FilterArns.includes(r.Arn)) continue;
      if (!matchesPattern(patternOf(r, r.EventPattern), event, { mode: 'eventbridge' })) continue;
      matched++;
      bus.record({ type: 'events.match', rule: r.Name, eventBus: b.Name, busArn: b.Arn, eventId: String(event.id) });
      deliverToRuleTargets(r, event);
    }
    // MatchedEvents counts events that matched at least one rule.
    if (matched) bus.record({ type: 'events.matched', eventBus: b.Name, busArn: b.Arn, eventId: String(event.id), rules: matched });
  }

  const receiver: DeliveryReceiver = {
    check(destinationArn) {
      busByNameOrArn(destinationArn, home);
    },
    async receive(destinationArn, message) {
      if (message.kind !== 'event') throw new AwsError('InvalidArgument', `EventBridge accepts events, not ${message.kind} messages`, 400);
      const event = { id: uuid(), ...message.event };
      setImmediate(() => route(busByNameOrArn(destinationArn, home), event));
    },
  };
  bus.register('events', receiver);

  return {
    // Replays are runs, not configuration: they end with the process.
    persistence: deps.options.dataDir
      ? rewrittenWhole(
          /^(Describe|List|Test|PutEvents|StartReplay|CancelReplay)/,
          () => [['buses', buses], ['archives', archives], ...webhooks.persisted.entries()],
          async (entities) => {
            restoreMaps({ buses, archives }, entities);
            rekeyByScope(buses, (b) => b.Arn, (b) => b.Name);
            rekeyByScope(archives, (a) => a.ArchiveArn, (a) => a.ArchiveName);
            defaultBus(home);
            armAllScheduled();
            await webhooks.persisted.restore(entities);
          },
        )
      : undefined,
    reset() {
      ruleTimers.clear();
      lifecycle.abort();
      lifecycle = new AbortController();
      buses.clear();
      archives.clear();
      replays.clear();
      webhooks.reset();
      defaultBus(home);
    },
    close() {
      ruleTimers.clear();
      lifecycle.abort();
    },
    CreateEventBus(input: any, ctx: RequestContext) {
      if (input.Name === 'default' || buses.has(keyIn(ctx, input.Name))) throw new AwsError('ResourceAlreadyExistsException', `Event bus ${input.Name} already exists.`, 400);
      const now = new Date(clock.now());
      const b: EventBus = {
        Name: input.Name,
        Arn: busArn(input.Name, ctx.region, ctx.accountId),
        CreationTime: now,
        LastModifiedTime: now,
        Description: input.Description,
        KmsKeyIdentifier: input.KmsKeyIdentifier,
        DeadLetterConfig: input.DeadLetterConfig,
        LogConfig: input.LogConfig,
        rules: new Map(),
        Tags: mergeTags([], input.Tags),
      };
      buses.set(keyIn(ctx, b.Name), b);
      return { EventBusArn: b.Arn, Description: b.Description, KmsKeyIdentifier: b.KmsKeyIdentifier, DeadLetterConfig: b.DeadLetterConfig, LogConfig: b.LogConfig };
    },
    DescribeEventBus(input: any, ctx: RequestContext) {
      return busView(busByNameOrArn(input.Name, ctx));
    },
    UpdateEventBus(input: any, ctx: RequestContext) {
      const b = busByNameOrArn(input.Name, ctx);
      // AWS: without KmsKeyIdentifier the bus goes back to an AWS owned key; the other settings change only when given.
      b.KmsKeyIdentifier = input.KmsKeyIdentifier;
      if (input.Description !== undefined) b.Description = input.Description;
      if (input.DeadLetterConfig !== undefined) b.DeadLetterConfig = input.DeadLetterConfig;
      if (input.LogConfig !== undefined) b.LogConfig = input.LogConfig;
      b.LastModifiedTime = new Date(clock.now());
      return { Arn: b.Arn, Name: b.Name, KmsKeyIdentifier: b.KmsKeyIdentifier, Description: b.Description, DeadLetterConfig: b.DeadLetterConfig, LogConfig: b.LogConfig };
    },
    ListEventBuses(input: any, ctx: RequestContext) {
      defaultBus(ctx);
      return {
        EventBuses: valuesIn(buses, ctx)
          .filter((b) => !input.NamePrefix || b.Name.startsWith(input.NamePrefix))
          .map((b) => {
            const { KmsKeyIdentifier: _k, DeadLetterConfig: _d, LogConfig: _l, ...listed } = busView(b);
            return listed;
          }),
      };
    },
    PutPermission(input: any, ctx: RequestContext) {
      const b = busByNameOrArn(input.EventBusName, ctx);
      b.policy = putPermission(b.policy, input, b.Arn);
      return {};
    },
    RemovePermission(input: any, ctx: RequestContext) {
      const b = busByNameOrArn(input.EventBusName, ctx);
      b.policy = removePermission(b.policy, input);
      return {};
    },
    TagResource(input: any, ctx: RequestContext) {
      const r = taggable(input.ResourceARN, ctx);
      r.Tags = mergeTags(r.Tags, input.Tags);
      return {};
    },
    UntagResource(input: any, ctx: RequestContext) {
      const r = taggable(input.ResourceARN, ctx);
      r.Tags = withoutTags(r.Tags, input.TagKeys);
      return {};
    },
    ListTagsForResource(input: any, ctx: RequestContext) {
      return { Tags: taggable(input.ResourceARN, ctx).Tags ?? [] };
    },
    DeleteEventBus(input: any, ctx: RequestContext) {
      if (input.Name === 'default') throw new AwsError('ValidationException', 'Cannot delete event bus default.', 400);
      buses.delete(keyIn(ctx, input.Name));
      return {};
    },
    PutRule(input: any, ctx: RequestContext) {
      const b = busByNameOrArn(input.EventBusName, ctx);
      if (!input.EventPattern && !input.ScheduleExpression) {
        throw new AwsError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.', 400);
      }
      if (input.EventPattern) checkEventPattern(input.EventPattern);
      if (input.ScheduleExpression !== undefined) {
        if (b.Name !== 'default') throw new AwsError('ValidationException', 'ScheduleExpression is supported only on the default event bus.', 400);
        parseRuleSchedule(input.ScheduleExpression);
      }
      const existing = b.rules.get(input.Name);
      const r: Rule = {
        Name: input.Name,
        Arn: `${b.Arn.slice(0, b.Arn.indexOf(':event-bus/'))}:rule/${b.Name === 'default' ? '' : `${b.Name}/`}${input.Name}`,
        EventBusName: b.Name,
        EventPattern: input.EventPattern,
        ScheduleExpression: input.ScheduleExpression,
        State: input.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
        Description: input.Description,
        RoleArn: input.RoleArn,
        targets: existing?.targets ?? new Map(),
        // Tags given when the rule already exists are added to its tags (Terraform changes them with TagResource).
        Tags: mergeTags(existing?.Tags, input.Tags),
        scheduleAnchor:
          input.ScheduleExpression === undefined ? undefined : existing && existing.ScheduleExpression === input.ScheduleExpression ? existing.scheduleAnchor : clock.now(),
      };
      b.rules.set(r.Name, r);
      ruleTimers.arm(r.Arn);
      return { RuleArn: r.Arn };
    },
    DescribeRule(input: any, ctx: RequestContext) {
      const r = rule(input.EventBusName, input.Name, ctx);
      return { Name: r.Name, Arn: r.Arn, EventPattern: r.EventPattern, ScheduleExpression: r.ScheduleExpression, State: r.State, Description: r.Description, RoleArn: r.RoleArn, EventBusName: r.EventBusName };
    },
    ListRules(input: any, ctx: RequestContext) {
      const b = busByNameOrArn(input.EventBusName, ctx);
      return {
        Rules: [...b.rules.values()]
          .filter((r) => !input.NamePrefix || r.Name.startsWith(input.NamePrefix))
          .map((r) => ({ Name: r.Name, Arn: r.Arn, EventPattern: r.EventPattern, ScheduleExpression: r.ScheduleExpression, State: r.State, Description: r.Description, EventBusName: r.EventBusName })),
      };
    },
    DeleteRule(input: any, ctx: RequestContext) {
      const r = rule(input.EventBusName, input.Name, ctx);
      if (r.targets.size) throw new AwsError('ValidationException', 'Rule can\'t be deleted since it has targets.', 400);
      busByNameOrArn(input.EventBusName, ctx).rules.delete(r.Name);
      ruleTimers.disarm(r.Arn);
      return {};
    },
    EnableRule(input: any, ctx: RequestContext) {
      const r = rule(input.EventBusName, input.Name, ctx);
      r.State = 'ENABLED';
      ruleTimers.arm(r.Arn);
      return {};
    },
    DisableRule(input: any, ctx: RequestContext) {
      const r = rule(input.EventBusName, input.Name, ctx);
      r.State = 'DISABLED';
      ruleTimers.disarm(r.Arn);
      return {};
    },
    PutTargets(input: any, ctx: RequestContext) {
      const r = rule(input.EventBusName, input.Rule, ctx);
      ((input.Targets ?? []) as Target[]).forEach((t, i) => validateTargetHttpParameters(t.HttpParameters, i));
      const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
      for (const t of (input.Targets ?? []) as Target[]) {
        const service = parseArn(t.Arn)?.service;
        if (!service || !['sqs', 'sns', 'lambda', 'events', 'logs'].includes(service) || (service === 'logs' && !/:log-group:[^:]+(:\*)?$/.test(t.Arn))) {
          failed.push({ TargetId: t.Id, ErrorCode: 'ValidationException', ErrorMessage: `Target ${t.Arn} is not supported by the emulator.` });
          continue;
        }
        if (t.DeadLetterConfig?.Arn && !t.DeadLetterConfig.Arn.startsWith('arn:aws:sqs:')) {
          failed.push({ TargetId: t.Id, ErrorCode: 'ValidationException', ErrorMessage: 'DeadLetterConfig Arn must be an SQS queue.' });
          continue;
        }
        const n = (t.RetryPolicy?.MaximumRetryAttempts ?? 0);
        if (n < 0 || n > 185) {
          failed.push({ TargetId: t.Id, ErrorCode: 'ValidationException', ErrorMessage: 'MaximumRetryAttempts must be between 0 and 185.' });
          continue;
        }
        r.targets.set(t.Id, t);
      }
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },
    RemoveTargets(input: any, ctx: RequestContext) {
      const r = rule(input.EventBusName, input.Rule, ctx);
      for (const id of input.Ids ?? []) r.targets.delete(id);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListTargetsByRule(input: any, ctx: RequestContext) {
      return { Targets: [...rule(input.EventBusName, input.Rule, ctx).targets.values()] };
    },
    ListRuleNamesByTarget(input: any, ctx: RequestContext) {
      const names: string[] = [];
      for (const r of busByNameOrArn(input.EventBusName, ctx).rules.values()) if ([...r.targets.values()].some((t) => t.Arn === input.TargetArn)) names.push(r.Name);
      return { RuleNames: names };
    },
    PutEvents(input: any, ctx: RequestContext) {
      const entries = (input.Entries ?? []) as any[];
      if (entries.length === 0 || entries.length > 10) {
        throw new AwsError('ValidationException', '1 validation error detected: Value at \'entries\' failed to satisfy constraint: Member must have length between 1 and 10', 400);
      }
      if (entries.reduce((total, e) => total + putEventsEntrySize(e), 0) > MAX_PUT_EVENTS_BYTES) {
        throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.', 400);
      }
      const results = entries.map((e) => {
        if (!e.Source || !e.DetailType || e.Detail === undefined) {
          return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameters Source, DetailType and Detail are required.' };
        }
        let detail: unknown;
        try {
          detail = JSON.parse(e.Detail);
        } catch {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
        }
        if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
        // Deeper JSON is not processed (see ./nesting.ts); the error code for it is not documented.
        if (nestsTooDeep(e.Detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: `Detail is malformed: it nests more than ${MAX_EVENT_NESTING} levels deep.` };
        let b: EventBus;
        try {
          b = busByNameOrArn(e.EventBusName, ctx);
        } catch (err) {
          return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: (err as Error).message };
        }
        const id = uuid();
        const event = {
          version: '0',
          id,
          'detail-type': e.DetailType,
          source: e.Source,
          account: ctx.accountId,
          time: isoSeconds(e.Time ? new Date(e.Time).getTime() : clock.now()),
          region: ctx.region,
          resources: e.Resources ?? [],
          detail,
        };
        setImmediate(() => route(b, event));
        return { EventId: id };
      });
      return { Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length };
    },
    TestEventPattern(input: any) {
      checkEventPattern(input.EventPattern);
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(input.Event);
      } catch {
        throw new AwsError('InvalidEventPatternException', 'Event is not valid JSON.', 400);
      }
      // Valid JSON that is not an object (true, -1, null, [..]) is no event either.
      if (!event || typeof event !== 'object' || Array.isArray(event)) throw new AwsError('InvalidEventPatternException', 'Event is not a valid JSON object.', 400);
      if (eventNestsTooDeep(input.Event)) {
        throw new AwsError('ValidationException', `Parameter Event is not valid. Reason: Event nests JSON more than ${MAX_EVENT_NESTING} levels deep.`, 400);
      }
      for (const field of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
        if (!(field in event)) throw new AwsError('ValidationException', `Parameter Event is not valid. Reason: Provided Event must have mandatory field ${field}`, 400);
      }
      return { Result: matchesPattern(JSON.parse(input.EventPattern), event, { mode: 'eventbridge' }) };
    },
    CreateArchive(input: any, ctx: RequestContext) {
      if (input.EventSourceArn === undefined) throw notNull('eventSourceArn');
      if (input.ArchiveName === undefined) throw notNull('archiveName');
      const nameProblem =
        input.ArchiveName.length > 48
          ? 'Member must have length less than or equal to 48'
          : !ARCHIVE_NAME.test(input.ArchiveName)
            ? 'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+'
            : undefined;
      if (nameProblem) throw constraintViolation('ValidationException', 'archiveName', input.ArchiveName, nameProblem);
      if (archives.has(keyIn(ctx, input.ArchiveName))) throw new AwsError('ResourceAlreadyExistsException', `Archive ${input.ArchiveName} already exists.`, 400);
      busByNameOrArn(input.EventSourceArn, ctx);
      if (input.EventPattern) checkEventPattern(input.EventPattern);
      const a: Archive = {
        ArchiveName: input.ArchiveName,
        ArchiveArn: `arn:aws:events:${ctx.region}:${ctx.accountId}:archive/${input.ArchiveName}`,
        EventSourceArn: input.EventSourceArn,
        Description: input.Description,
        EventPattern: input.EventPattern,
        RetentionDays: input.RetentionDays ?? 0,
        State: 'ENABLED',
        CreationTime: new Date(clock.now()),
        events: [],
      };
      archives.set(keyIn(ctx, a.ArchiveName), a);
      return { ArchiveArn: a.ArchiveArn, State: a.State, CreationTime: a.CreationTime };
    },
    DescribeArchive(input: any, ctx: RequestContext) {
      const a = requireArchive(archives, ctx, input.ArchiveName);
      const { events, ...view } = a;
      return { ...view, EventCount: events.length, SizeBytes: events.reduce((n, e) => n + JSON.stringify(e.event).length, 0) };
    },
    ListArchives(input: any, ctx: RequestContext) {
      return {
        Archives: valuesIn(archives, ctx)
          .filter((a) => (!input.NamePrefix || a.ArchiveName.startsWith(input.NamePrefix)) && (!input.EventSourceArn || a.EventSourceArn === input.EventSourceArn))
          .map((a) => ({ ArchiveName: a.ArchiveName, EventSourceArn: a.EventSourceArn, State: a.State, RetentionDays: a.RetentionDays, EventCount: a.events.length, CreationTime: a.CreationTime })),
      };
    },
    UpdateArchive(input: any, ctx: RequestContext) {
      const a = requireArchive(archives, ctx, input.ArchiveName);
      if (input.EventPattern) checkEventPattern(input.EventPattern);
      if (input.RetentionDays !== undefined && !(Number.isInteger(input.RetentionDays) && input.RetentionDays >= 0)) {
        throw constraintViolation('ValidationException', 'retentionDays', input.RetentionDays, 'Member must have value greater than or equal to 0');
      }
      if (input.Description !== undefined) a.Description = input.Description;
      if (input.EventPattern !== undefined) a.EventPattern = input.EventPattern || undefined;
      if (input.RetentionDays !== undefined) a.RetentionDays = input.RetentionDays;
      return { ArchiveArn: a.ArchiveArn, State: a.State, CreationTime: a.CreationTime };
    },
    ...webhooks.operations,
    DeleteArchive(input: any, ctx: RequestContext) {
      requireArchive(archives, ctx, input.ArchiveName);
      archives.delete(keyIn(ctx, input.ArchiveName));
      return {};
    },
    StartReplay(input: any, ctx: RequestContext) {
      if (replays.has(keyIn(ctx, input.ReplayName))) throw new AwsError('ResourceAlreadyExistsException', `Replay ${input.ReplayName} already exists.`, 400);
      const archiveName = String(input.EventSourceArn ?? '').split('archive/')[1];
      const a = requireArchive(archives, scopeOfArn(String(input.EventSourceArn ?? '')) ?? ctx, archiveName);
      const target = busByNameOrArn(input.Destination?.Arn, ctx);
      if (target.Arn !== a.EventSourceArn) throw new AwsError('ValidationException', 'Replay destination must be the archive\'s source event bus.', 400);
      const start = new Date(input.EventStartTime);
      const end = new Date(input.EventEndTime);
      if (!(start < end)) throw new AwsError('ValidationException', 'EventStartTime must be before EventEndTime.', 400);
      const r: Replay = {
        ReplayName: input.ReplayName,
        ReplayArn: `arn:aws:events:${ctx.region}:${ctx.accountId}:replay/${input.ReplayName}`,
        EventSourceArn: input.EventSourceArn,
        Description: input.Description,
        Destination: input.Destination,
        EventStartTime: start,
        EventEndTime: end,
        State: 'STARTING',
        ReplayStartTime: new Date(clock.now()),
      };
      replays.set(keyIn(ctx, r.ReplayName), r);
      clock.setTimer(0, () => {
        if (r.State !== 'STARTING') return;
        r.State = 'RUNNING';
        for (const { time, event } of a.events) {
          if (time < start.getTime() || time >= end.getTime()) continue;
          route(target, { ...event, 'replay-name': r.ReplayName }, { replayOf: r });
          r.EventLastReplayedTime = new Date(time);
        }
        r.State = 'COMPLETED';
        r.ReplayEndTime = new Date(clock.now());
      });
      return { ReplayArn: r.ReplayArn, State: r.State, ReplayStartTime: r.ReplayStartTime };
    },
    DescribeReplay(input: any, ctx: RequestContext) {
      const r = replays.get(keyIn(ctx, input.ReplayName));
      if (!r) throw new AwsError('ResourceNotFoundException', `Replay ${input.ReplayName} does not exist.`, 400);
      return { ...r };
    },
    ListReplays(input: any, ctx: RequestContext) {
      return { Replays: valuesIn(replays, ctx).filter((r) => !input.NamePrefix || r.ReplayName.startsWith(input.NamePrefix)).map((r) => ({ ...r })) };
    },
    CancelReplay(input: any, ctx: RequestContext) {
      const r = replays.get(keyIn(ctx, input.ReplayName));
      if (!r) throw new AwsError('ResourceNotFoundException', `Replay ${input.ReplayName} does not exist.`, 400);
      if (r.State === 'COMPLETED' || r.State === 'CANCELLED') throw new AwsError('IllegalStatusException', `Replay ${r.ReplayName} is ${r.State}.`, 400);
      r.State = 'CANCELLED';
      return { ReplayArn: r.ReplayArn, State: r.State };
    },
  };
}
