import { PendingRecords } from '../core/pending-records';
import type { Persistable } from '../core/service';
import type { Alarm } from './alarms';
import type { AnomalyDetectorRecord } from './anomaly-detectors';
import type { CompositeAlarm } from './composite-alarms';
import type { MetricStream } from './metric-streams';
import type { Dashboard } from './dashboards';
import type { HistoryItem } from './history';
import type { Datapoint, MetricId, MetricStore } from './metrics';

/**
 * CloudWatch state as persisted entities, written in proportion to what changed:
 *   `a\0<alarm>`   an alarm (configuration, state) with its tags, rewritten when either changes
 *   `c\0<alarm>`   a composite alarm with its tags, likewise
 *   `ad\0<key>`    an anomaly detector (by the metric or expression it watches)
 *   `ms\0<name>`   a metric stream with its tags
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
const compositeKey = (name: string) => `c${SEP}${name}`;
const detectorKey = (key: string) => `ad${SEP}${key}`;
const streamKey = (name: string) => `ms${SEP}${name}`;
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
interface SavedComposite {
  composite: CompositeAlarm;
  tags?: { Key: string; Value: string }[];
}
interface SavedStream {
  stream: MetricStream;
  tags?: { Key: string; Value: string }[];
}

export interface CloudWatchState {
  store: MetricStore;
  alarms: Map<string, Alarm>;
  tags: Map<string, { Key: string; Value: string }[]>;
  history: { recorder?: (item: HistoryItem) => void; all(): readonly HistoryItem[]; restore(items: HistoryItem[]): void };
  /** The account's dashboards, saved with the emulator's own Region only. */
  dashboards?: { get(name: string): Dashboard | undefined; all(): Iterable<Dashboard>; restore(d: Dashboard): void };
  composites: { composites: Map<string, CompositeAlarm>; restore(c: CompositeAlarm): void };
  anomalyDetectors: { get(key: string): AnomalyDetectorRecord | undefined; all(): Iterable<AnomalyDetectorRecord>; restore(d: AnomalyDetectorRecord): void };
  metricStreams: { get(name: string): MetricStream | undefined; all(): Iterable<MetricStream>; restore(s: MetricStream): void };
  /** Runs after a restore (the provider re-arms its alarm evaluation). */
  restored(): void;
}

export interface CloudWatchJournal extends Persistable {
  alarmChanged(name: string): void;
  dashboardChanged(name: string): void;
  compositeChanged(name: string): void;
  anomalyDetectorChanged(key: string): void;
  metricStreamChanged(name: string): void;
}

const savedPoint = (p: Datapoint): SavedPoint => (p.unit === undefined ? [p.timestamp, p.sum, p.count, p.min, p.max] : [p.timestamp, p.sum, p.count, p.min, p.max, p.unit]);
const pointOf = ([timestamp, sum, count, min, max, unit]: SavedPoint): Datapoint => ({ timestamp, sum, count, min, max, unit });

export function cloudWatchPersistence(state: CloudWatchState): CloudWatchJournal {
  const { store, alarms, tags, history, dashboards, composites, anomalyDetectors, metricStreams } = state;
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
  const compositeNow = (name: string) => () => {
    const composite = composites.composites.get(name);
    return composite && ({ composite, tags: tags.get(composite.AlarmArn) } satisfies SavedComposite);
  };
  const streamNow = (name: string) => () => {
    const stream = metricStreams.get(name);
    return stream && ({ stream, tags: tags.get(stream.Arn) } satisfies SavedStream);
  };

  return {
    alarmChanged(name) {
      dirty.note(alarmKey(name), alarmNow(name));
    },
    dashboardChanged(name) {
      dirty.note(dashboardKey(name), () => dashboards?.get(name));
    },
    compositeChanged(name) {
      dirty.note(compositeKey(name), compositeNow(name));
    },
    anomalyDetectorChanged(key) {
      dirty.note(detectorKey(key), () => anomalyDetectors.get(key));
    },
    metricStreamChanged(name) {
      dirty.note(streamKey(name), streamNow(name));
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
      for (const d of dashboards?.all() ?? []) yield [dashboardKey(d.name), d];
      for (const c of composites.composites.values()) yield [compositeKey(c.AlarmName), compositeNow(c.AlarmName)()];
      for (const d of anomalyDetectors.all()) yield [detectorKey(d.key), d];
      for (const s of metricStreams.all()) yield [streamKey(s.Name), streamNow(s.Name)()];
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
        } else if (key.startsWith(`d${SEP}`)) dashboards?.restore(value as Dashboard);
        else if (key.startsWith(`c${SEP}`)) {
          const { composite, tags: compositeTags } = value as SavedComposite;
          composites.restore(composite);
          if (compositeTags) tags.set(composite.AlarmArn, compositeTags);
        } else if (key.startsWith(`ad${SEP}`)) anomalyDetectors.restore(value as AnomalyDetectorRecord);
        else if (key.startsWith(`ms${SEP}`)) {
          const { stream, tags: streamTags } = value as SavedStream;
          metricStreams.restore(stream);
          if (streamTags) tags.set(stream.Arn, streamTags);
        }
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
