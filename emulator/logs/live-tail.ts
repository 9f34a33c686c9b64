import type { Clock, Timer } from '../core/clock';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { compilePattern } from './metric-filters';
import { groupId, type LogEvent, type LogGroup } from './state';

/**
 * StartLiveTail: a response stream (protocols/event-stream.ts frames it) that opens with one sessionStart, then
 * carries the log events ingested after it that match the session's groups, streams and filter pattern: every
 * second of emulator time one sessionUpdate with what arrived in that second (an empty one for a quiet second),
 * at most 500 events (more are sampled down to 500, `sampled: true`), as AWS sends them. Up to 10 updates wait for
 * a slow client; older ones are dropped, as AWS does. The session ends when the client closes the stream (noticed
 * at the next update: the stream's reader only lets go between events), or with a SessionTimeoutException after
 * three hours. On an auto-advancing virtual clock an open session therefore moves time on a second at a time.
 */
export interface LiveTailLogEvent {
  logStreamName: string;
  logGroupIdentifier: string;
  message: string;
  timestamp: number;
  ingestionTime: number;
}
type StreamEvent =
  | { sessionStart: Record<string, unknown> }
  | { sessionUpdate: { sessionMetadata: { sampled: boolean }; sessionResults: LiveTailLogEvent[] } }
  | { SessionTimeoutException: { message: string } };

export const LIVE_TAIL_BATCH_MS = 1_000;
export const LIVE_TAIL_MAX_MS = 3 * 60 * 60 * 1000;
const MAX_EVENTS_PER_UPDATE = 500;
const MAX_BUFFERED_UPDATES = 10;
const MAX_GROUPS = 10;
/** Concurrent Live Tail sessions per account (the AWS quota). */
const MAX_SESSIONS = 15;

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);

interface Session {
  /** Group name → the identifier the client gave (shown back in each event). */
  groups: Map<string, string>;
  streamNames?: string[];
  streamPrefixes?: string[];
  match: (message: string) => unknown;
  startedAt: number;
  pending: LiveTailLogEvent[];
  timer?: Timer;
  queue: StreamEvent[];
  ended: boolean;
  wake?: () => void;
}

export interface LiveTailDeps {
  clock: Clock;
  /** The group a log group identifier (name or ARN) names; throws ResourceNotFoundException. */
  groupOf(identifier: string, caller: RequestContext): LogGroup;
}

/** Evenly spaced picks: a deterministic sample that keeps the batch's spread over time. */
function sample<T>(items: T[], size: number): T[] {
  if (items.length <= size) return items;
  return Array.from({ length: size }, (_, i) => items[Math.floor((i * items.length) / size)]!);
}

export function createLiveTail(d: LiveTailDeps) {
  const sessions = new Set<Session>();

  const push = (s: Session, e: StreamEvent) => {
    s.queue.push(e);
    while (s.queue.length > MAX_BUFFERED_UPDATES) s.queue.shift();
    s.wake?.();
  };
  const end = (s: Session) => {
    s.ended = true;
    s.timer?.cancel();
    sessions.delete(s);
    s.wake?.();
  };

  /** One second's update; the next is due a second later, until the session ends or times out. */
  function tick(s: Session): void {
    s.timer = undefined;
    if (s.ended) return;
    const batch = s.pending;
    s.pending = [];
    push(s, { sessionUpdate: { sessionMetadata: { sampled: batch.length > MAX_EVENTS_PER_UPDATE }, sessionResults: sample(batch, MAX_EVENTS_PER_UPDATE) } });
    if (d.clock.now() - s.startedAt >= LIVE_TAIL_MAX_MS) {
      push(s, { SessionTimeoutException: { message: 'Session timed out after three hours.' } });
      end(s);
      return;
    }
    s.timer = d.clock.setTimer(LIVE_TAIL_BATCH_MS, () => tick(s));
  }

  /** Events just stored in a stream of a group: each session that wants them batches them. */
  function offer(g: LogGroup, logStreamName: string, events: readonly LogEvent[]): void {
    for (const s of sessions) {
      const identifier = s.groups.get(groupId(g));
      if (identifier === undefined) continue;
      if (s.streamNames && !s.streamNames.includes(logStreamName)) continue;
      if (s.streamPrefixes && !s.streamPrefixes.some((p) => logStreamName.startsWith(p))) continue;
      for (const e of events) {
        if (!s.match(e.message)) continue;
        s.pending.push({ logStreamName, logGroupIdentifier: identifier, message: e.message, timestamp: e.timestamp, ingestionTime: e.ingestionTime });
      }
    }
  }

  function StartLiveTail(input: any, ctx: RequestContext) {
    const ids: string[] = input.logGroupIdentifiers ?? [];
    if (ids.length < 1 || ids.length > MAX_GROUPS) {
      throw invalid(`1 validation error detected: Value at 'logGroupIdentifiers' failed to satisfy constraint: Member must have length between 1 and ${MAX_GROUPS}`);
    }
    const streamNames: string[] | undefined = input.logStreamNames?.length ? input.logStreamNames : undefined;
    const streamPrefixes: string[] | undefined = input.logStreamNamePrefixes?.length ? input.logStreamNamePrefixes : undefined;
    if (streamNames && streamPrefixes) throw invalid('You can specify either logStreamNames or logStreamNamePrefixes, but not both.');
    if ((streamNames || streamPrefixes) && ids.length > 1) {
      throw invalid('If you specify logStreamNames or logStreamNamePrefixes, you can specify only one log group in logGroupIdentifiers.');
    }
    const groups = new Map<string, string>();
    for (const id of ids) {
      if (id.endsWith('*')) throw invalid(`The log group identifier ${id} must not end with an asterisk (*).`);
      groups.set(groupId(d.groupOf(id, ctx)), id);
    }
    const pattern: string = input.logEventFilterPattern ?? '';
    const match = compilePattern(pattern);
    if (sessions.size >= MAX_SESSIONS) throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);

    const session: Session = { groups, streamNames, streamPrefixes, match, startedAt: d.clock.now(), pending: [], queue: [], ended: false };
    sessions.add(session);
    session.timer = d.clock.setTimer(LIVE_TAIL_BATCH_MS, () => tick(session));
    const start = {
      requestId: ctx.requestId,
      sessionId: uuid(),
      logGroupIdentifiers: ids,
      ...(streamNames ? { logStreamNames: streamNames } : {}),
      ...(streamPrefixes ? { logStreamNamePrefixes: streamPrefixes } : {}),
      logEventFilterPattern: pattern,
    };
    const responseStream: AsyncIterable<StreamEvent> = {
      async *[Symbol.asyncIterator]() {
        try {
          yield { sessionStart: start };
          for (;;) {
            const next = session.queue.shift();
            if (next) yield next;
            else if (session.ended) return;
            else await new Promise<void>((resolve) => (session.wake = resolve));
          }
        } finally {
          // Ended here, or the client closed the stream (the response body was destroyed).
          end(session);
        }
      },
    };
    return { responseStream };
  }

  return {
    offer,
    StartLiveTail,
    /** Ends every session (reset, close): each stream ends after what it still holds. */
    endAll(): void {
      for (const s of [...sessions]) end(s);
    },
    /** Open sessions (for tests and the trace). */
    size: () => sessions.size,
  };
}
