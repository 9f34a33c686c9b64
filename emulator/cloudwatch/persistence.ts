import { PendingRecords } from '../core/pending-records';
import type { Persistable } from '../core/service';
import type { Alarm } from './alarms';
import type { Dashboard } from './dashboards';
import type { HistoryItem } from './history';
import type { Datapoint, MetricId, MetricStore } from './metrics';

/**
 * CloudWatch state as persisted entities, written in proportion to what changed:
 *   `a\0<alarm>`   an alarm (configuration, state) with its tags, rewritten when either changes
 *   `d\0<name>`    a dashboard
 *   `h\0<n>`       an alarm history item (append-only)
 *   `p\0<n>`       datapoints of one metric: those a flush brought, or a snapshot's chunk of a series
 *   `base`         in a snapshot: the first `n` it numbered
 * `n` only grows (restored from the largest on disk), so an append never lands on an earlier key. A snapshot
 * renumbers its copies from `base` on: a journal that a crash left un-emptied after the snapshot was renamed in
 * holds the same items under keys below `base`, which restore skips rather than count twice.
 */
const SEP = '\u0000';
const alarmKey = (name: string) => `a${SEP}${name}`;
const dashboardKey = (name: string) => `d${SEP}${name}`;
const BASE = 'base';
/** Points per snapshot entity. */
const CHUNK = 1000;

/** A datapoint on disk: [timestamp, sum, count, min, max, unit?]. */
type SavedPoint = [number, number, number, number, number, string?];
interface SavedPoints {
  id: MetricId;
  points: SavedPoint[];
}
interface SavedAlarm {
  alarm: Alarm;
  tags?: { Key: string; Value: string }[];
}

export interface CloudWatchState {
  store: MetricStore;
  alarms: Map<string, Alarm>;
  tags: Map<string, { Key: string; Value: string }[]>;
  history: { recorder?: (item: HistoryItem) => void; all(): readonly HistoryItem[]; restore(items: HistoryItem[]): void };
  dashboards: { get(name: string): Dashboard | undefined; all(): Iterable<Dashboard>; restore(d: Dashboard): void };
  /** Runs after a restore (the provider re-arms its alarm evaluation). */
  restored(): void;
}

export interface CloudWatchJournal extends Persistable {
  alarmChanged(name: string): void;
  dashboardChanged(name: string): void;
}

const savedPoint = (p: Datapoint): SavedPoint => (p.unit === undefined ? [p.timestamp, p.sum, p.count, p.min, p.max] : [p.timestamp, p.sum, p.count, p.min, p.max, p.unit]);
const pointOf = ([timestamp, sum, count, min, max, unit]: SavedPoint): Datapoint => ({ timestamp, sum, count, min, max, unit });

export function cloudWatchPersistence(state: CloudWatchState): CloudWatchJournal {
  const { store, alarms, tags, history, dashboards } = state;
  let counter = 0;
  const next = (kind: 'h' | 'p') => `${kind}${SEP}${counter++}`;
  /** Datapoints stored since the last flush, by series. */
  let points = new Map<string, SavedPoints>();
  let historyItems: HistoryItem[] = [];
  /** Alarm and dashboard records, written as they are when the changes are taken. */
  const dirty = new PendingRecords();

  store.recorder = (key, id, point) => {
    let batch = points.get(key);
    if (!batch) points.set(key, (batch = { id, points: [] }));
    batch.points.push(savedPoint(point));
  };
  history.recorder = (item) => historyItems.push(item);

  const alarmNow = (name: string) => () => {
    const alarm = alarms.get(name);
    return alarm && ({ alarm, tags: tags.get(alarm.AlarmArn) } satisfies SavedAlarm);
  };

  return {
    alarmChanged(name) {
      dirty.note(alarmKey(name), alarmNow(name));
    },
    dashboardChanged(name) {
      dirty.note(dashboardKey(name), () => dashboards.get(name));
    },

    takeChanges() {
      const changes = dirty.drainInto([]);
      for (const item of historyItems) changes.push({ key: next('h'), value: item });
      historyItems = [];
      for (const batch of points.values()) changes.push({ key: next('p'), value: batch });
      points = new Map();
      return changes;
    },

    *entities() {
      yield [BASE, counter];
      for (const alarm of alarms.values()) yield [alarmKey(alarm.AlarmName), alarmNow(alarm.AlarmName)()];
      for (const d of dashboards.all()) yield [dashboardKey(d.name), d];
      for (const item of history.all()) yield [next('h'), item];
      for (const { id, points: all } of store.allSeries()) {
        for (let i = 0; i < all.length; i += CHUNK) yield [next('p'), { id, points: all.slice(i, i + CHUNK).map(savedPoint) } satisfies SavedPoints];
      }
    },

    restore(entities) {
      const base = Number(entities.get(BASE) ?? 0);
      const numbered = (kind: string) =>
        [...entities]
          .filter(([key]) => key.startsWith(`${kind}${SEP}`))
          .map(([key, value]) => [Number(key.slice(2)), value] as const)
          .filter(([n]) => n >= base)
          .sort((a, b) => a[0] - b[0]);
      for (const [key, value] of entities) {
        if (key.startsWith(`a${SEP}`)) {
          const { alarm, tags: alarmTags } = value as SavedAlarm;
          alarms.set(alarm.AlarmName, alarm);
          if (alarmTags) tags.set(alarm.AlarmArn, alarmTags);
        } else if (key.startsWith(`d${SEP}`)) dashboards.restore(value as Dashboard);
      }
      const items = numbered('h');
      history.restore(items.map(([, item]) => item as HistoryItem));
      const batches = numbered('p');
      for (const [, value] of batches) {
        const { id, points: saved } = value as SavedPoints;
        store.restore(id, saved.map(pointOf));
      }
      counter = Math.max(base, (items.at(-1)?.[0] ?? -1) + 1, (batches.at(-1)?.[0] ?? -1) + 1);
      state.restored();
    },
  };
}
