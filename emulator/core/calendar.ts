/**
 * Day arithmetic on epoch milliseconds, in UTC: AWS counts retention and lifecycle periods in days of 24 hours and
 * rounds many due times to midnight UTC.
 */

export const DAY_MS = 86_400_000;

/** `days` whole days after `ms`. */
export const addDays = (ms: number, days: number): number => ms + days * DAY_MS;

/** Rounds up to midnight UTC (a time already at midnight stays). */
export const nextMidnight = (ms: number): number => Math.ceil(ms / DAY_MS) * DAY_MS;

/** Rounds down to midnight UTC. */
export const previousMidnight = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

export const isMidnight = (ms: number): boolean => ms % DAY_MS === 0;

/** ISO 8601 in UTC to the second, as event times are written (`2026-03-07T12:00:00Z`). */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
