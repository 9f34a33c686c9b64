import * as fmt from './log-format';
import type { LogSettings } from './types';

/**
 * What Lambda itself writes to a function's log around each invocation, in the function's LogFormat: Text
 * (START / END / REPORT lines) or JSON (platform.start / platform.runtimeDone / platform.report records, kept
 * or dropped by SystemLogLevel). With JSON, the function's own lines are filtered by ApplicationLogLevel too.
 */

/** Most detailed first; a setting keeps its own level and the less detailed ones. */
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** Level names other loggers use for the same levels (Python's logging, pino, …). */
const ALIASES: Record<string, string> = { WARNING: 'WARN', CRITICAL: 'FATAL' };

const rank = (level: string): number => LEVELS.indexOf(ALIASES[level] ?? level);

/** How an invocation ended, as platform.runtimeDone and platform.report say it. */
export type RunStatus = 'success' | 'error' | 'timeout';

export interface ReportRecord extends fmt.ReportFields {
  runStatus: RunStatus;
  /** For platform.runtimeDone: bytes of the response. */
  producedBytes: number;
}

export interface PlatformLog {
  /** The line that opens an invocation, or undefined when this format or level leaves it out. */
  start(requestId: string, version: string): string | undefined;
  /** The lines that close it (END and REPORT, or the JSON records the system log level keeps). */
  end(r: ReportRecord): string[];
  /** Whether one line the function wrote passes the application log level. */
  keeps(line: string): boolean;
}

const textLog: PlatformLog = {
  start: (requestId, version) => fmt.startLine(requestId, version),
  // REPORT names an error type only for crashes and timeouts, not for an error the function returned.
  end: (r) => [fmt.endLine(r.requestId), fmt.reportLine({ ...r, errorType: r.status === 'error' ? r.errorType : undefined })],
  keeps: () => true,
};

/** Milliseconds as Lambda's JSON records carry them: a number with two decimals at most. */
const ms = (n: number): number => Math.round(n * 100) / 100;

/** A line's level as Lambda reads it: a JSON object's `level` field, INFO for anything else. */
function lineLevel(line: string): number {
  if (line.charCodeAt(0) !== 0x7b /* { */) return rank('INFO');
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    const r = typeof level === 'string' ? rank(level.toUpperCase()) : -1;
    return r < 0 ? rank('INFO') : r;
  } catch {
    return rank('INFO');
  }
}

function jsonLog(settings: LogSettings, now: () => number): PlatformLog {
  const systemRank = rank(settings.systemLogLevel ?? 'INFO');
  const applicationRank = rank(settings.applicationLogLevel ?? 'INFO');
  const record = (level: string, type: string, body: Record<string, unknown>): string | undefined =>
    rank(level) >= systemRank ? JSON.stringify({ time: new Date(now()).toISOString(), type, record: body }) : undefined;
  return {
    start: (requestId, version) => record('INFO', 'platform.start', { requestId, version }),
    end: (r) => {
      const failed = r.runStatus !== 'success' && r.errorType ? { errorType: r.errorType } : {};
      const lines = [
        record('DEBUG', 'platform.runtimeDone', {
          requestId: r.requestId,
          status: r.runStatus,
          ...failed,
          metrics: { durationMs: ms(r.durationMs), producedBytes: r.producedBytes },
        }),
        record('INFO', 'platform.report', {
          requestId: r.requestId,
          metrics: {
            durationMs: ms(r.durationMs),
            billedDurationMs: r.billedDurationMs,
            memorySizeMB: r.memorySizeMb,
            maxMemoryUsedMB: r.maxMemoryUsedMb,
            ...(r.initDurationMs !== undefined ? { initDurationMs: ms(r.initDurationMs) } : {}),
          },
          status: r.runStatus,
          ...failed,
        }),
      ];
      return lines.filter((l): l is string => l !== undefined);
    },
    // TRACE keeps every line: no need to read each one's level on the event loop.
    keeps: applicationRank <= 0 ? () => true : (line) => lineLevel(line) >= applicationRank,
  };
}

export const platformLogFor = (settings: LogSettings | undefined, now: () => number): PlatformLog =>
  settings?.format === 'JSON' ? jsonLog(settings, now) : textLog;
