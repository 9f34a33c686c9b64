import { uuid } from '../../core/ids';
import type { Clock, Timer } from '../../core/clock';
import { AwsError, constraintViolation } from '../../core/errors';
import { offsetPage } from '../../core/paging';
import type { RequestContext } from '../../core/context';
import { invalidToken } from '../event-order';
import type { LogGroup } from '../state';
import { eventRow, formatValue, parsePointer, type SourceEvent } from './fields';
import { parseQuery, type Command } from './parser';
import { runQuery } from './run';
import { checkFunctions } from './stats';
import type { Scope } from '../../core/scope';

/**
 * Logs Insights queries: StartQuery answers with an id and runs the query on the emulator clock's next turn
 * (status Running until then; a client polls GetQueryResults until Complete). Queries and their results are kept
 * in memory only: after a restart their ids are unknown (ResourceNotFoundException), as if they had aged out.
 */

type Status = 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled' | 'Timeout' | 'Unknown';
interface Query {
  queryId: string;
  queryString: string;
  status: Status;
  createTime: number;
  groups: string[];
  commands: Command[];
  startMs: number;
  endMs: number;
  limit: number;
  /** Queries, like the groups they read, belong to an account and Region. */
  accountId: string;
  region: string;
  timer?: Timer;
  finishedAt?: number;
  results: { field: string; value: string }[][];
  statistics: { recordsMatched: number; recordsScanned: number; bytesScanned: number; logGroupsScanned: number };
}

/** Results a query returns at most (StartQuery's `limit` default and maximum). */
const MAX_RESULTS = 10_000;
const MAX_GROUPS = 50;
/** Queries remembered; the oldest finished ones are forgotten past this. */
const KEPT_QUERIES = 1000;
const DESCRIBE_PAGE = 1000;
const LIST_GROUPS_PAGE = 50;
/** GetLogGroupFields looks at 15 minutes of events: the last 15, or 8 either side of `time`. */
const FIELDS_WINDOW_MS = 15 * 60_000;
const FIELDS_HALF_WINDOW_MS = 8 * 60_000;

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);

export interface InsightsDeps {
  clock: Clock;
  /** A group of `scope`'s account and Region by name, if there is one. */
  group(name: string, scope: Scope): LogGroup | undefined;
  /** Every group of `scope`'s account and Region. */
  groupsIn(scope: Scope): LogGroup[];
  /** The group as a read sees it: its expired events removed (retention.ts). */
  settled(g: LogGroup): LogGroup;
  /** A group named by name or ARN (a read's logGroupName/logGroupIdentifier); throws ResourceNotFoundException. */
  namedGroup(input: { logGroupName?: string; logGroupIdentifier?: string }, scope: Scope): LogGroup;
}

export function insightsOperations(d: InsightsDeps) {
  const queries = new Map<string, Query>();

  /** A StartQuery group (name or ARN) that must exist, in AWS's words when it does not. */
  const queryGroup = (id: string, scope: Scope): string => {
    if (id.endsWith('*')) throw invalid(`Log group identifier ${id} must not end with an asterisk (*).`);
    const m = /^arn:aws[\w-]*:logs:[^:]*:\d{12}:log-group:(.+)$/.exec(id);
    const name = m ? m[1]! : id;
    if (!d.group(name, scope)) throw new AwsError('ResourceNotFoundException', `Log group '${name}' does not exist for account ID '${scope.accountId}'`, 400);
    return name;
  };

  function eventsOf(q: Query): { events: SourceEvent[]; bytes: number; groupsScanned: number } {
    const events: SourceEvent[] = [];
    let bytes = 0;
    let groupsScanned = 0;
    for (const name of q.groups) {
      const g = d.group(name, q);
      if (!g) continue;
      groupsScanned++;
      for (const s of d.settled(g).streams.values()) {
        for (const e of s.events) {
          if (e.timestamp < q.startMs || e.timestamp > q.endMs) continue;
          events.push({ group: name, stream: s.name, timestamp: e.timestamp, ingestionTime: e.ingestionTime, message: e.message, seq: e.seq });
          bytes += Buffer.byteLength(e.message, 'utf8');
        }
      }
    }
    // Newest first, later arrivals first among equal timestamps.
    events.sort((a, b) => b.timestamp - a.timestamp || b.seq - a.seq);
    return { events, bytes, groupsScanned };
  }

  function execute(q: Query): void {
    q.timer = undefined;
    if (q.status !== 'Running') return;
    const { events, bytes, groupsScanned } = eventsOf(q);
    const out = runQuery(q.commands, events, q.accountId, q.limit);
    q.results = out.results;
    q.statistics = { recordsMatched: out.recordsMatched, recordsScanned: events.length, bytesScanned: bytes, logGroupsScanned: groupsScanned };
    q.status = 'Complete';
    q.finishedAt = d.clock.now();
  }

  function forgetOldest(): void {
    if (queries.size < KEPT_QUERIES) return;
    for (const [id, q] of queries) {
      if (q.status !== 'Running') {
        queries.delete(id);
        return;
      }
    }
  }

  const seconds = (value: unknown, field: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw constraintViolation('InvalidParameterException', field, value, 'Member must have value greater than or equal to 0');
    return value;
  };

  return {
    /** Stops what is pending (reset/close). */
    clear(): void {
      for (const q of queries.values()) q.timer?.cancel();
      queries.clear();
    },

    StartQuery(input: any, ctx: RequestContext) {
      if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI') {
        throw invalid(`The emulator runs Logs Insights QL (CWLI) queries only, not ${input.queryLanguage}.`);
      }
      const given = [input.logGroupName, input.logGroupNames, input.logGroupIdentifiers].filter((v) => v !== undefined);
      if (given.length !== 1) throw invalid('Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.');
      const ids: string[] = input.logGroupName !== undefined ? [input.logGroupName] : (input.logGroupNames ?? input.logGroupIdentifiers);
      const field = input.logGroupNames !== undefined ? 'logGroupNames' : 'logGroupIdentifiers';
      if (ids.length < 1 || ids.length > MAX_GROUPS) throw constraintViolation('InvalidParameterException', field, ids, `Member must have length less than or equal to ${MAX_GROUPS}`);
      const startTime = seconds(input.startTime, 'startTime');
      const endTime = seconds(input.endTime, 'endTime');
      if (endTime < startTime) throw invalid('End time should not be before the start time');
      const queryString = input.queryString;
      if (typeof queryString !== 'string' || queryString.length < 1 || queryString.length > 10_000) {
        throw constraintViolation('InvalidParameterException', 'queryString', queryString, 'Member must have length between 1 and 10000');
      }
      const limit = input.limit ?? MAX_RESULTS;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RESULTS) {
        throw constraintViolation('InvalidParameterException', 'limit', limit, `Member must have value ${limit < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_RESULTS}`}`);
      }
      const commands = parseQuery(queryString);
      checkFunctions(commands, queryString);
      const groups = [...new Set(ids.map((id) => queryGroup(id, ctx)))];
      forgetOldest();
      const q: Query = {
        queryId: uuid(),
        queryString,
        status: 'Running',
        createTime: d.clock.now(),
        groups,
        commands,
        // Both ends are inclusive, in whole seconds: the end second is included to its last millisecond.
        startMs: startTime * 1000,
        endMs: endTime * 1000 + 999,
        limit,
        accountId: ctx.accountId,
        region: ctx.region,
        results: [],
        statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0, logGroupsScanned: 0 },
      };
      queries.set(q.queryId, q);
      q.timer = d.clock.setTimer(0, () => execute(q));
      return { queryId: q.queryId };
    },

    GetQueryResults(input: any) {
      const q = queries.get(input.queryId);
      if (!q) throw new AwsError('ResourceNotFoundException', 'The specified query does not exist.', 400);
      const { items, next } = offsetPage(q.results, input.nextToken, input.maxItems ?? MAX_RESULTS, 'r', invalidToken);
      return {
        queryLanguage: 'CWLI',
        status: q.status,
        results: items.map((row) => row.map((f) => ({ ...f }))),
        statistics: {
          recordsMatched: q.statistics.recordsMatched,
          recordsScanned: q.statistics.recordsScanned,
          estimatedRecordsSkipped: 0,
          bytesScanned: q.statistics.bytesScanned,
          estimatedBytesSkipped: 0,
          logGroupsScanned: q.statistics.logGroupsScanned,
        },
        nextToken: next,
      };
    },

    StopQuery(input: any) {
      const q = queries.get(input.queryId);
      if (!q) throw new AwsError('ResourceNotFoundException', 'The specified query does not exist.', 400);
      if (q.status !== 'Running' && q.status !== 'Scheduled') throw invalid(`Query ${q.queryId} is not running.`);
      q.timer?.cancel();
      q.timer = undefined;
      q.status = 'Cancelled';
      q.finishedAt = d.clock.now();
      return { success: true };
    },

    DescribeQueries(input: any, ctx: RequestContext) {
      const max = input.maxResults ?? DESCRIBE_PAGE;
      if (!Number.isInteger(max) || max < 1 || max > DESCRIBE_PAGE) {
        throw constraintViolation('InvalidParameterException', 'maxResults', max, `Member must have value between 1 and ${DESCRIBE_PAGE}`);
      }
      const all = [...queries.values()]
        .filter((q) => q.accountId === ctx.accountId && q.region === ctx.region)
        .filter((q) => input.logGroupName === undefined || q.groups.includes(input.logGroupName))
        .filter((q) => input.status === undefined || q.status === input.status)
        .filter((q) => input.queryLanguage === undefined || input.queryLanguage === 'CWLI')
        .reverse(); // newest first
      const { items, next } = offsetPage(all, input.nextToken, max, 'd', invalidToken);
      return {
        queries: items.map((q) => ({
          queryLanguage: 'CWLI',
          queryId: q.queryId,
          queryString: q.queryString,
          status: q.status,
          createTime: q.createTime,
          logGroupName: q.groups[0],
          ...(q.finishedAt !== undefined ? { queryDuration: q.finishedAt - q.createTime } : {}),
          bytesScanned: q.statistics.bytesScanned,
        })),
        nextToken: next,
      };
    },

    GetLogGroupFields(input: any, ctx: RequestContext) {
      const g = d.settled(d.namedGroup(input, ctx));
      const now = d.clock.now();
      const [from, to] = input.time === undefined ? [now - FIELDS_WINDOW_MS, now] : [input.time * 1000 - FIELDS_HALF_WINDOW_MS, input.time * 1000 + FIELDS_HALF_WINDOW_MS];
      const counts = new Map<string, number>();
      let total = 0;
      for (const s of g.streams.values()) {
        for (const e of s.events) {
          if (e.timestamp < from || e.timestamp > to) continue;
          total++;
          const row = eventRow({ group: g.name, stream: s.name, timestamp: e.timestamp, ingestionTime: e.ingestionTime, message: e.message, seq: e.seq }, ctx.accountId);
          for (const name of row.keys()) counts.set(name, (counts.get(name) ?? 0) + 1);
        }
      }
      return {
        logGroupFields: [...counts]
          .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
          .map(([name, n]) => ({ name, percent: Math.round((100 * n) / total) })),
      };
    },

    /** The fields of the event an `@ptr` points to, as a query would see them. */
    GetLogRecord(input: any, ctx: RequestContext) {
      const at = typeof input.logRecordPointer === 'string' ? parsePointer(input.logRecordPointer) : undefined;
      if (!at) throw invalid('The specified logRecordPointer is invalid.');
      const e = d.group(at.group, ctx)?.streams.get(at.stream)?.events.find((x) => x.seq === at.seq);
      if (!e) throw new AwsError('ResourceNotFoundException', 'The specified log record does not exist.', 400);
      const row = eventRow({ group: at.group, stream: at.stream, timestamp: e.timestamp, ingestionTime: e.ingestionTime, message: e.message, seq: e.seq }, ctx.accountId);
      const logRecord: Record<string, string> = {};
      for (const [k, v] of row) {
        const text = formatValue(v);
        if (text !== undefined) logRecord[k] = text;
      }
      return { logRecord };
    },

    /** The newer listing: names and ARNs, filtered by a case-sensitive substring of the name. */
    ListLogGroups(input: any, ctx: RequestContext) {
      const limit = input.limit ?? LIST_GROUPS_PAGE;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw constraintViolation('InvalidParameterException', 'limit', limit, 'Member must have value between 1 and 1000');
      const all = d.groupsIn(ctx)
        .filter((g) => !input.logGroupNamePattern || g.name.includes(input.logGroupNamePattern))
        .filter((g) => input.logGroupClass === undefined || input.logGroupClass === 'STANDARD')
        .sort((a, b) => a.name.localeCompare(b.name));
      const { items, next } = offsetPage(all, input.nextToken, limit, 'l', invalidToken);
      return {
        logGroups: items.map((g) => ({
          logGroupName: g.name,
          logGroupArn: `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${g.name}`,
          logGroupClass: 'STANDARD',
        })),
        nextToken: next,
      };
    },
  };
}
