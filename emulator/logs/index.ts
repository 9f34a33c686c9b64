import { AwsError } from '../core/errors';
import { offsetPage, pageToken } from '../core/paging';
import type { RequestContext } from '../core/context';
import type { Origin } from '../core/delivery';
import type { ServiceDeps } from '../core/service';
import { applyMetricFilters, buildMetricFilter, compilePattern, metricFilterView } from './metric-filters';
import { createSubscriptions, eventId, subscriptionFilterView, type EventSource } from './subscription-filters';
import { logsPersistence } from './persistence';
import { createRetention, expiryCutoff, storedBytes, validRetentionDays } from './retention';
import { groupId, groupIdFor, scopingFor, type LogEvent, type LogGroup, type LogStream } from './state';
import type { Scope } from '../core/scope';
import { appendAll } from '../core/arrays';
import { filterPatternUsesRegex } from './filter-pattern';
import { queryDefinitionOperations, type QueryDefinition } from './query-definitions';
import { insightsOperations } from './insights/queries';
import { exportTaskOperations, type ExportTask } from './export-tasks';
import { createLiveTail } from './live-tail';
import { accountPolicyOperations, type LogsAccountPolicy } from './account-policies';
import { destinationOperations, destinationStored, type LogsDestination } from './destinations';
import { resourcePolicyOperations, servicePutAllowed, type AccountPolicy } from './resource-policies';
import { BEFORE_ALL, compareEvents, eventsInTimeOrder, indexAfter, indexAtTime, invalidToken, parsePositionToken, positionToken } from './event-order';
import { ROLE_BASED_PRINCIPALS } from '../core/resource-policy';

/**
 * CloudWatch Logs: log groups and streams, written by the Lambda provider (through `logs.put` on the bus)
 * and by PutLogEvents; read with GetLogEvents and FilterLogEvents. Metric filters turn arriving events into
 * CloudWatch metrics (metric-filters.ts); subscription filters deliver them to Lambda (subscription-filters.ts).
 * With dataDir, groups, streams, events and filters are kept across restarts (persistence.ts); events still
 * waiting in a subscription filter's batch are not. Retention policies expire events on the emulator clock (retention.ts).
 * Logs Insights queries (StartQuery, GetQueryResults…) run over the stored events (insights/), kept in memory only.
 */

export interface LogsPut {
  logGroupName: string;
  /** The account and Region of the function writing (default: the emulator's). */
  scope?: Scope;
  logStreamName: string;
  events: { timestamp: number; message: string }[];
}

const PAGE = 50;
/** GetLogEvents and FilterLogEvents: up to 10,000 events (the default limit) and 1 MB a page. */
const MAX_EVENTS = 10_000;
const MAX_PAGE_BYTES = 1024 * 1024;
const EVENT_OVERHEAD_BYTES = 26;

export function createLogsProvider(deps: ServiceDeps) {
  const home: Scope = { region: deps.options.region, accountId: deps.options.accountId };
  /** By groupId (state.ts): log groups are kept per account and Region. */
  const groups = new Map<string, LogGroup>();
  const idFor = (scope: Scope, name: string) => groupIdFor(scope, home, name);
  const scoping = scopingFor(home);
  const policies = new Map<string, AccountPolicy>();
  const queryDefinitions = new Map<string, QueryDefinition>();
  const subscriptions = createSubscriptions(deps);
  const exportTasks = new Map<string, ExportTask>();
  const accountPolicies = new Map<string, LogsAccountPolicy>();
  const destinations = new Map<string, LogsDestination>();
  let seq = 0;
  const journal = deps.options.dataDir
    ? logsPersistence(
        groups,
        policies,
        queryDefinitions,
        (next) => {
          seq = next;
          retention.syncAll();
        },
        () => seq,
        { x: exportTasks, ap: accountPolicies, d: destinations },
        // Export tasks under way when the emulator stopped carry on (the operations are built below).
        () => exportOps.resume(),
      )
    : undefined;
  const retention = createRetention(deps.clock, groups, {
    expired(g, s, removed) {
      journal?.eventsExpired(g, s, removed);
      deps.bus.record({ type: 'logs.retention.expired', logGroupName: g.name, logStreamName: s.name, events: removed.length });
    },
  });
  /** A group about to be read: nothing it returns has expired. */
  const settled = (g: LogGroup): LogGroup => retention.settle(g);

  /** A group by name in `scope` (the caller's account and Region). */
  const group = (name: string | undefined, scope: Scope): LogGroup => {
    const g = name ? groups.get(idFor(scope, name)) : undefined;
    if (!g) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.', 400);
    return g;
  };
  /** A group by ARN, in the ARN's account and Region. */
  const groupByArn = (arn: string | undefined): LogGroup => {
    const m = /^arn:aws[\w-]*:logs:([^:]*):(\d{12}):log-group:(.+?)(:\*)?$/.exec(arn ?? '');
    if (!m) throw new AwsError('InvalidParameterException', `Invalid resource ARN: ${arn}`, 400);
    return group(m[3], { region: m[1] || home.region, accountId: m[2]! });
  };
  /** A group by name (in `scope`) or ARN. */
  const groupByNameOrArn = (id: string, scope: Scope): LogGroup => (id.startsWith('arn:') ? groupByArn(id) : group(id, scope));
  /** The group a read names by `logGroupName` or by `logGroupIdentifier` (its name or ARN), not both. */
  const namedGroup = (input: { logGroupName?: string; logGroupIdentifier?: string }, scope: Scope): LogGroup => {
    const id = input.logGroupIdentifier;
    if (id === undefined) return group(input.logGroupName, scope);
    if (input.logGroupName !== undefined) {
      throw new AwsError('InvalidParameterException', 'Specify either logGroupName or logGroupIdentifier, not both.', 400);
    }
    return groupByNameOrArn(id, scope);
  };
  const groupsIn = (scope: Scope): LogGroup[] => [...groups.values()].filter((g) => groupId(g) === idFor(scope, g.name));
  const exportOps = exportTaskOperations({
    tasks: exportTasks,
    bus: deps.bus,
    clock: deps.clock,
    group: (name, scope) => settled(group(name, scope)),
    changed: (id) => journal?.recordChanged('x', id),
  });
  /** Live Tail sessions (live-tail.ts): fed by append(), in memory only. */
  const liveTail = createLiveTail({ clock: deps.clock, groupOf: groupByNameOrArn });
  /** Logs Insights queries (insights/): kept in memory only. */
  const { clear: clearQueries, ...insights } = insightsOperations({
    clock: deps.clock,
    group: (name, scope) => groups.get(idFor(scope, name)),
    groupsIn,
    settled,
    namedGroup,
  });
  const stream = (g: LogGroup, name: string | undefined): LogStream => {
    const s = name ? g.streams.get(name) : undefined;
    if (!s) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.', 400);
    return s;
  };
  /**
   * AssociateKmsKey's and DisassociateKmsKey's target: exactly one of logGroupName and resourceIdentifier (a group's
   * ARN, or the account's `…:query-result:*`, for which there is nothing here to change: undefined).
   */
  const kmsTarget = (input: { logGroupName?: string; resourceIdentifier?: string }, scope: Scope): LogGroup | undefined => {
    if ((input.logGroupName === undefined) === (input.resourceIdentifier === undefined)) {
      throw new AwsError('InvalidParameterException', 'Specify either logGroupName or resourceIdentifier, but not both.', 400);
    }
    if (input.logGroupName !== undefined) return group(input.logGroupName, scope);
    if (/^arn:aws[\w-]*:logs:[^:]*:\d{12}:query-result:\*$/.test(input.resourceIdentifier!)) return undefined;
    return groupByArn(input.resourceIdentifier);
  };
  /** Notes a group whose settings, tags or filters are about to change (for persistence); returns it. */
  const changed = (g: LogGroup): LogGroup => {
    journal?.groupChanged(g);
    return g;
  };
  const groupArn = (g: LogGroup) => {
    const { region, accountId } = g.scope ?? home;
    return `arn:aws:logs:${region}:${accountId}:log-group:${g.name}`;
  };

  /** The stream, made (with its group) if missing: where Lambda writes a function's lines. */
  function ensure(groupName: string, streamName: string, scope: Scope): LogStream {
    let g = groups.get(idFor(scope, groupName));
    if (!g) {
      groups.set(idFor(scope, groupName), (g = newGroup(groupName, {}, scope)));
      journal?.groupChanged(g);
    }
    return ensureStream(g, streamName);
  }
  function ensureStream(g: LogGroup, streamName: string): LogStream {
    let s = g.streams.get(streamName);
    if (!s) {
      g.streams.set(streamName, (s = { name: streamName, creationTime: deps.clock.now(), events: [] }));
      journal?.streamCreated(g, s);
    }
    return s;
  }
  const newGroup = (name: string, tags: Record<string, string>, scope: Scope): LogGroup => ({
    name,
    ...(idFor(scope, name) === name ? {} : { scope: { region: scope.region, accountId: scope.accountId } }),
    creationTime: deps.clock.now(),
    streams: new Map(),
    tags,
    metricFilters: new Map(),
    subscriptionFilters: new Map(),
  });

  /**
   * Stores the events that have not already expired under the group's retention (PutLogEvents rejects those, as
   * AWS does); returns the index just past the last expired one (0 if none had), its expiredLogEventEndIndex.
   */
  function append(g: LogGroup, s: LogStream, input: { timestamp: number; message: string }[], source: EventSource): number {
    const now = deps.clock.now();
    const cutoff = expiryCutoff(g, now);
    const lastExpired = input.reduce((last, e, i) => (e.timestamp <= cutoff ? i : last), -1);
    const events = lastExpired < 0 ? input : input.filter((e) => e.timestamp > cutoff);
    if (events.length === 0) return lastExpired + 1;
    const stored = events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: now, seq: seq++ }));
    appendAll(s.events, stored); // a Lambda invocation can print more lines than a call can take arguments
    journal?.eventsAdded(g, s, stored);
    retention.added(g, stored);
    if (g.metricFilters.size) applyMetricFilters(deps.bus, g.metricFilters.values(), events, g.scope);
    if (g.subscriptionFilters.size) subscriptions.offer(g.subscriptionFilters.values(), g.name, s.name, stored, source);
    liveTail.offer(g, s.name, stored);
    return lastExpired + 1;
  }

  /**
   * Deliveries from other services (EventBridge rule targets): the group must exist, and with `strict` a resource
   * policy must let the sender create the stream and put events in it, as on AWS (not for services acting with a
   * role, such as Pipes).
   */
  const deliveryGroup = (arn: string, origin: Origin, streamName = '*'): LogGroup => {
    const g = groupByArn(arn);
    const streamArn = `${arn.replace(/:\*$/, '')}:log-stream:${streamName}`;
    if (deps.options.strict && !ROLE_BASED_PRINCIPALS.includes(origin.principal) && !servicePutAllowed([...policies.values()].filter((p) => scoping.owns(g.scope ?? home, p)), g, streamArn, origin)) {
      throw new AwsError('AccessDeniedException', `${origin.principal} is not allowed to put log events in ${arn}`, 400);
    }
    return g;
  };
  deps.bus.register('logs', {
    check: (arn, origin) => void deliveryGroup(arn, origin),
    receive: async (arn, message, origin) => {
      if (message.kind !== 'logs') throw new AwsError('InvalidParameterException', `Logs cannot accept a ${message.kind} delivery`, 400);
      const g = deliveryGroup(arn, origin, message.logStreamName);
      append(g, ensureStream(g, message.logStreamName), message.events, 'client');
    },
  });

  deps.bus.answer<LogsPut, void>('logs.put', async ({ logGroupName, logStreamName, events, scope = home }) => {
    const s = ensure(logGroupName, logStreamName, scope);
    append(groups.get(idFor(scope, logGroupName))!, s, events, 'function');
  });

  /** Opaque paging tokens (core/paging.ts); PutLogEvents hands out sequence tokens, the event reads position tokens (event-order.ts). */
  const token = (n: number) => pageToken('o', n);
  const page = <T>(items: T[], nextToken: string | undefined, limit: number | undefined) => {
    const { items: slice, next } = offsetPage(items, nextToken, Math.min(limit ?? PAGE, PAGE), 'o', invalidToken);
    return { slice, next };
  };

  return {
    persistence: journal,
    reset() {
      subscriptions.reset();
      retention.cancelAll();
      groups.clear();
      policies.clear();
      queryDefinitions.clear();
      clearQueries();
      exportOps.clear();
      exportTasks.clear();
      accountPolicies.clear();
      destinations.clear();
      liveTail.endAll();
    },
    close() {
      clearQueries();
      exportOps.clear();
      liveTail.endAll();
      subscriptions.close();
      retention.cancelAll();
    },
    CreateLogGroup(input: any, ctx: RequestContext) {
      if (!input.logGroupName) throw new AwsError('InvalidParameterException', 'logGroupName is required.', 400);
      if (groups.has(idFor(ctx, input.logGroupName))) {
        throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists', 400);
      }
      const g = newGroup(input.logGroupName, input.tags ?? {}, ctx);
      g.kmsKeyId = input.kmsKeyId;
      groups.set(groupId(g), g);
      journal?.groupChanged(g);
      return {};
    },
    DeleteLogGroup(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      for (const f of g.subscriptionFilters.values()) subscriptions.forget(f);
      groups.delete(groupId(g));
      retention.groupDeleted(groupId(g));
      journal?.groupDeleted(groupId(g));
      return {};
    },
    PutRetentionPolicy(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      changed(g).retentionInDays = validRetentionDays(input.retentionInDays);
      retention.policyChanged(g);
      return {};
    },
    DeleteRetentionPolicy(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      changed(g).retentionInDays = undefined;
      retention.policyChanged(g);
      return {};
    },
    /** Only a log group's key is kept: query results (resourceIdentifier `…:query-result:*`) are accepted and forgotten. */
    AssociateKmsKey(input: any, ctx: RequestContext) {
      if (!input.kmsKeyId) throw new AwsError('InvalidParameterException', 'kmsKeyId is required.', 400);
      const g = kmsTarget(input, ctx);
      if (g) changed(g).kmsKeyId = input.kmsKeyId;
      return {};
    },
    DisassociateKmsKey(input: any, ctx: RequestContext) {
      const g = kmsTarget(input, ctx);
      if (g) changed(g).kmsKeyId = undefined;
      return {};
    },
    PutMetricFilter(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      const filter = buildMetricFilter(input, g.metricFilters, deps.clock.now());
      checkRegexQuota(g, 'metric', input.filterName, input.filterPattern);
      changed(g).metricFilters.set(input.filterName, filter);
      return {};
    },
    DescribeMetricFilters(input: any, ctx: RequestContext) {
      if (input.filterNamePrefix !== undefined && input.logGroupName === undefined) {
        throw new AwsError('InvalidParameterException', 'If you specify filterNamePrefix, you must also specify logGroupName.', 400);
      }
      if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
        throw new AwsError('InvalidParameterException', 'metricName and metricNamespace must be specified together.', 400);
      }
      const from = input.logGroupName !== undefined ? [group(input.logGroupName, ctx)] : groupsIn(ctx).sort((a, b) => a.name.localeCompare(b.name));
      const all = from
        .flatMap((g) => [...g.metricFilters.values()].sort((a, b) => a.filterName.localeCompare(b.filterName)))
        .filter((f) => !input.filterNamePrefix || f.filterName.startsWith(input.filterNamePrefix))
        .filter((f) => input.metricName === undefined || f.metricTransformations.some((t) => t.metricName === input.metricName && t.metricNamespace === input.metricNamespace));
      const { slice, next } = page(all, input.nextToken, input.limit);
      return { metricFilters: slice.map(metricFilterView), nextToken: next };
    },
    DeleteMetricFilter(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      if (!g.metricFilters.delete(input.filterName)) throw new AwsError('ResourceNotFoundException', 'The specified metric filter does not exist.', 400);
      changed(g);
      return {};
    },
    TestMetricFilter(input: any, ctx: RequestContext) {
      const match = compilePattern(input.filterPattern);
      const messages: string[] = input.logEventMessages ?? [];
      const matches = messages.flatMap((eventMessage, i) => {
        const m = match(eventMessage);
        return m ? [{ eventNumber: i + 1, eventMessage, extractedValues: m.values }] : [];
      });
      return { matches };
    },
    PutSubscriptionFilter(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      // A CloudWatch Logs destination must exist (it is not delivered to: destinations.ts).
      if (!destinationStored(destinations, scoping, input.destinationArn ?? '', ctx.accountId)) throw new AwsError('ResourceNotFoundException', 'The specified destination does not exist.', 400);
      // Replacing a filter leaves events it already matched to be delivered under its old settings.
      const filter = subscriptions.build(input, g.subscriptionFilters, ctx);
      checkRegexQuota(g, 'subscription', input.filterName, input.filterPattern);
      changed(g).subscriptionFilters.set(filter.filterName, filter);
      return {};
    },
    DescribeSubscriptionFilters(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      // ASCII order by name, as AWS documents.
      const all = [...g.subscriptionFilters.values()]
        .filter((f) => !input.filterNamePrefix || f.filterName.startsWith(input.filterNamePrefix))
        .sort((a, b) => (a.filterName < b.filterName ? -1 : a.filterName > b.filterName ? 1 : 0));
      const { slice, next } = page(all, input.nextToken, input.limit);
      return { subscriptionFilters: slice.map(subscriptionFilterView), nextToken: next };
    },
    DeleteSubscriptionFilter(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      const f = g.subscriptionFilters.get(input.filterName);
      if (!f) throw new AwsError('ResourceNotFoundException', 'The specified subscription filter does not exist.', 400);
      subscriptions.forget(f);
      changed(g).subscriptionFilters.delete(input.filterName);
      return {};
    },
    DescribeLogGroups(input: any, ctx: RequestContext) {
      const all = groupsIn(ctx)
        .filter((g) => !input.logGroupNamePrefix || g.name.startsWith(input.logGroupNamePrefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const { slice, next } = page(all, input.nextToken, input.limit);
      return {
        logGroups: slice.map((g) => ({
          logGroupName: g.name,
          creationTime: g.creationTime,
          retentionInDays: g.retentionInDays,
          kmsKeyId: g.kmsKeyId,
          arn: `${groupArn(g)}:*`,
          logGroupArn: groupArn(g),
          storedBytes: storedBytes(settled(g)),
          metricFilterCount: g.metricFilters.size,
        })),
        nextToken: next,
      };
    },
    CreateLogStream(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      if (g.streams.has(input.logStreamName)) {
        throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists', 400);
      }
      const s: LogStream = { name: input.logStreamName, creationTime: deps.clock.now(), events: [] };
      g.streams.set(s.name, s);
      journal?.streamCreated(g, s);
      return {};
    },
    DeleteLogStream(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      stream(g, input.logStreamName);
      g.streams.delete(input.logStreamName);
      journal?.streamDeleted(g, input.logStreamName);
      return {};
    },
    DescribeLogStreams(input: any, ctx: RequestContext) {
      const g = settled(namedGroup(input, ctx));
      let all = [...g.streams.values()].filter((s) => !input.logStreamNamePrefix || s.name.startsWith(input.logStreamNamePrefix));
      if (input.orderBy === 'LastEventTime') all.sort((a, b) => lastTime(a) - lastTime(b));
      else all.sort((a, b) => a.name.localeCompare(b.name));
      if (input.descending) all = all.reverse();
      const { slice, next } = page(all, input.nextToken, input.limit);
      return {
        logStreams: slice.map((s) => ({
          logStreamName: s.name,
          creationTime: s.creationTime,
          firstEventTimestamp: eventsInTimeOrder(s)[0]?.timestamp,
          lastEventTimestamp: eventsInTimeOrder(s).at(-1)?.timestamp,
          lastIngestionTime: s.events.at(-1)?.ingestionTime,
          arn: `${groupArn(g)}:log-stream:${s.name}`,
          storedBytes: 0,
        })),
        nextToken: next,
      };
    },
    PutLogEvents(input: any, ctx: RequestContext) {
      const g = group(input.logGroupName, ctx);
      const s = stream(g, input.logStreamName);
      const events = (input.logEvents ?? []) as { timestamp: number; message: string }[];
      if (events.length === 0) throw new AwsError('InvalidParameterException', 'logEvents must contain at least 1 item.', 400);
      const expired = append(g, s, events, 'client');
      return { nextSequenceToken: token(s.events.length), ...(expired ? { rejectedLogEventsInfo: { expiredLogEventEndIndex: expired } } : {}) };
    },
    GetLogEvents(input: any, ctx: RequestContext) {
      const s = stream(settled(namedGroup(input, ctx)), input.logStreamName);
      const all = eventsInTimeOrder(s);
      // The time range is a slice of the ordered events; a token moves inside it.
      const lo = input.startTime === undefined ? 0 : indexAtTime(all, input.startTime);
      const hi = Math.max(lo, input.endTime === undefined ? all.length : indexAtTime(all, input.endTime));
      const limit = input.limit ?? MAX_EVENTS;
      const at = input.nextToken === undefined ? undefined : parsePositionToken(input.nextToken, ['f', 'b']);
      const forward = at ? at.direction === 'f' : input.startFromHead === true;
      let from: number;
      let to: number;
      if (forward) {
        from = at ? Math.max(lo, indexAfter(all, at.key, true)) : lo;
        to = takeWithin(all, from, hi, limit, 1);
      } else {
        to = at ? Math.min(hi, Math.max(lo, indexAfter(all, at.key, false))) : hi;
        from = takeWithin(all, to - 1, lo - 1, limit, -1) + 1;
      }
      const slice = all.slice(from, to);
      const events = slice.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime }));
      if (slice.length) return { events, nextForwardToken: positionToken('f', slice.at(-1)!), nextBackwardToken: positionToken('b', slice[0]!) };
      // Nothing further: the token in the direction read comes back unchanged (so a reader can keep polling
      // with it), the other one turns round at the same place.
      if (!at) return { events, nextForwardToken: positionToken('f', BEFORE_ALL), nextBackwardToken: positionToken('b', BEFORE_ALL) };
      const { timestamp, seq } = at.key;
      return at.direction === 'f'
        ? { events, nextForwardToken: input.nextToken, nextBackwardToken: positionToken('b', { timestamp, seq: seq + 1 }) }
        : { events, nextForwardToken: positionToken('f', { timestamp, seq: Math.max(seq - 1, -1) }), nextBackwardToken: input.nextToken };
    },
    FilterLogEvents(input: any, ctx: RequestContext) {
      const g = settled(namedGroup(input, ctx));
      const matches = compilePattern(input.filterPattern);
      const names: string[] | undefined = input.logStreamNames;
      if (names && input.logStreamNamePrefix !== undefined) {
        throw new AwsError('InvalidParameterException', 'logStreamNames and logStreamNamePrefix cannot both be specified.', 400);
      }
      const limit = input.limit ?? MAX_EVENTS;
      const after = input.nextToken === undefined ? undefined : parsePositionToken(input.nextToken, ['f']).key;
      // Each stream gives at most limit + 1 matches after the position; the page is the earliest of them all.
      const found: (LogEvent & { logStreamName: string })[] = [];
      for (const s of g.streams.values()) {
        if (names && !names.includes(s.name)) continue;
        if (input.logStreamNamePrefix && !s.name.startsWith(input.logStreamNamePrefix)) continue;
        const all = eventsInTimeOrder(s);
        let i = input.startTime === undefined ? 0 : indexAtTime(all, input.startTime);
        if (after) i = Math.max(i, indexAfter(all, after, true));
        for (let taken = 0; i < all.length && taken <= limit; i++) {
          const e = all[i]!;
          // Unlike GetLogEvents' endTime, FilterLogEvents' takes events at that very time too.
          if (input.endTime !== undefined && e.timestamp > input.endTime) break;
          if (!matches(e.message)) continue;
          found.push({ ...e, logStreamName: s.name });
          taken++;
        }
      }
      found.sort(compareEvents);
      const end = takeWithin(found, 0, found.length, limit, 1);
      const slice = found.slice(0, end);
      return {
        events: slice.map((e) => ({
          logStreamName: e.logStreamName,
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
          eventId: eventId(e.seq),
        })),
        searchedLogStreams: [...g.streams.keys()].map((logStreamName) => ({ logStreamName, searchedCompletely: true })),
        nextToken: end < found.length ? positionToken('f', slice.at(-1)!) : undefined,
      };
    },
    ...resourcePolicyOperations({
      policies,
      scoping,
      groupByArn,
      now: () => deps.clock.now(),
      changed: ({ account, group: g }) => {
        if (g) journal?.groupChanged(g);
        if (account !== undefined) journal?.accountPolicyChanged(account);
      },
    }),
    ...insights,
    ...exportOps.operations,
    StartLiveTail: liveTail.StartLiveTail,
    ...accountPolicyOperations({ policies: accountPolicies, scoping, now: () => deps.clock.now(), changed: (key) => journal?.recordChanged('ap', key) }),
    ...destinationOperations({ destinations, scoping, now: () => deps.clock.now(), changed: (key) => journal?.recordChanged('d', key) }),
    /** Live Tail sessions open now (not an AWS operation: lower case, so no request reaches it). */
    liveTailSessions: liveTail.size,
    ...queryDefinitionOperations({
      definitions: queryDefinitions,
      scoping,
      now: () => deps.clock.now(),
      changed: (id) => journal?.queryDefinitionChanged(id),
    }),
    TagLogGroup(input: any, ctx: RequestContext) {
      Object.assign(changed(group(input.logGroupName, ctx)).tags, input.tags);
      return {};
    },
    ListTagsLogGroup(input: any, ctx: RequestContext) {
      return { tags: group(input.logGroupName, ctx).tags };
    },
    UntagLogGroup(input: any, ctx: RequestContext) {
      const g = changed(group(input.logGroupName, ctx));
      for (const k of input.tags ?? []) delete g.tags[k];
      return {};
    },
    // The ARN-based forms current SDKs and the console use: arn:aws:logs:<region>:<account>:log-group:<name>[:*].
    TagResource(input: any, ctx: RequestContext) {
      Object.assign(changed(groupByArn(input.resourceArn)).tags, input.tags);
      return {};
    },
    UntagResource(input: any, ctx: RequestContext) {
      const g = changed(groupByArn(input.resourceArn));
      for (const k of input.tagKeys ?? []) delete g.tags[k];
      return {};
    },
    ListTagsForResource(input: any, ctx: RequestContext) {
      return { tags: groupByArn(input.resourceArn).tags };
    },
  };
}

/** Metric and subscription filters whose pattern holds a regular expression: at most this many per log group. */
const MAX_REGEX_FILTERS_PER_GROUP = 5;

/** Refuses a filter with a regular expression past the group's quota (the filter it replaces does not count). */
function checkRegexQuota(g: LogGroup, kind: 'metric' | 'subscription', name: string, pattern: string): void {
  if (!filterPatternUsesRegex(pattern)) return;
  const others = [
    ...[...g.metricFilters.values()].filter((f) => kind !== 'metric' || f.filterName !== name),
    ...[...g.subscriptionFilters.values()].filter((f) => kind !== 'subscription' || f.filterName !== name),
  ];
  if (others.filter((f) => filterPatternUsesRegex(f.filterPattern)).length >= MAX_REGEX_FILTERS_PER_GROUP) {
    throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);
  }
}

const lastTime = (s: LogStream) => eventsInTimeOrder(s).at(-1)?.timestamp ?? s.creationTime;

/**
 * Where a page of events read from `start` towards `stop` (step 1 or -1, `stop` excluded) ends: after at most
 * `limit` events or once they pass 1 MiB (each counted as its UTF-8 message plus 26 bytes, as PutLogEvents
 * counts a batch), with at least one event.
 */
function takeWithin(events: readonly LogEvent[], start: number, stop: number, limit: number, step: 1 | -1): number {
  let i = start;
  let bytes = 0;
  for (let n = 0; i !== stop && n < limit; i += step, n++) {
    bytes += Buffer.byteLength(events[i]!.message, 'utf8') + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_PAGE_BYTES && n > 0) break;
  }
  return i;
}
