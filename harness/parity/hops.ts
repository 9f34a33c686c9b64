import type { ScenarioContext } from '../scenario/context';
import { WaitTimeoutError, waitFor } from '../wait';

/**
 * What a parity run compares: the records a scenario can observe on every backend through the SDK alone
 * (no in-process trace), grouped into hops in pipeline order.
 *
 *   notification  the S3 event records as a topic delivered them (the fan-out topology's `events` probe:
 *                 an SQS queue subscribed to the topic) — `Records[]` entries and `s3:TestEvent`
 *   delivery      every SNS delivery a probe queue received: topic, subject, message attributes, format
 *   invocation    what the functions logged about their work (the handlers' own JSON log entries, read with
 *                 FilterLogEvents): processed / ignored / error / alert published …
 *   report        the reports the processors wrote (ListObjectsV2 + GetObject under reports/)
 *   dlq           messages that reached a DLQ (through the error handler's alerts, or read in place)
 *   alert         the alerts the error handler published (the alert topic's probe)
 *
 * Not observable everywhere, so not compared: raw SNS envelopes (the probe unwraps them), messages in the
 * pipeline's own queues (reading them would steal them from the functions), Lambda's START/REPORT lines
 * (batching differs legitimately), and the embedded emulator's trace (written as an artifact instead).
 */
export const HOPS = ['notification', 'delivery', 'invocation', 'report', 'dlq', 'alert'] as const;
export type HopName = (typeof HOPS)[number];
/** A divergence in a scenario's outcome (passed on one backend, failed on the other) is reported as hop `outcome`. */
export type DivergenceHop = HopName | 'outcome';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The records of one scenario run on one backend, as read (not yet normalised). */
export interface Observations {
  hops: Record<HopName, JsonObject[]>;
  /** Hops that could not be read, and why (they are not compared). */
  unobservable: Partial<Record<HopName, string>>;
}

export const emptyHops = (): Record<HopName, JsonObject[]> => ({ notification: [], delivery: [], invocation: [], report: [], dlq: [], alert: [] });

/** Reads every hop once, through the scenario's own Observer (so probe messages it already drained are included). */
export async function observeHops(s: ScenarioContext): Promise<Observations> {
  const o = s.observe;
  const r = s.resources;
  const hops = emptyHops();
  const unobservable: Observations['unobservable'] = {};
  const read = async (hop: HopName, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      unobservable[hop] = (e as Error).message;
    }
  };

  await read('delivery', async () => {
    for (const topic of Object.keys(r.probes)) {
      for (const m of await o.deliveries(topic)) {
        hops.delivery.push(toJson({ topic, subject: m.subject ?? null, attributes: m.attributes, format: m.json === undefined ? 'text' : 'json' }));
        if (topic === r.alertTopic) continue;
        const json = m.json as Record<string, unknown> | undefined;
        if (json && Array.isArray(json.Records)) for (const rec of json.Records) hops.notification.push(toJson({ via: topic, ...(rec as object) }));
        else if (json && json.Event === 's3:TestEvent') hops.notification.push(toJson({ via: topic, ...json }));
      }
    }
  });
  if (unobservable.delivery) unobservable.notification = unobservable.delivery;

  await read('invocation', async () => {
    for (const fn of Object.keys(r.functions)) {
      for (const entry of await o.logEntries(fn)) {
        // The handlers' own entries carry `level`; the runtime's (errorType/errorMessage) differ by runtime.
        if (typeof entry.level !== 'string') continue;
        hops.invocation.push(toJson({ function: fn, ...entry }));
      }
    }
  });

  await read('report', async () => {
    for (const bucketId of Object.keys(r.buckets)) {
      for (const report of (await o.reports(bucketId)).values()) {
        // The report object's ETag hashes a body that names the (prefixed) bucket: never equal across runs.
        const { reportEtag: _etag, reportBucket: _bucket, ...body } = report;
        hops.report.push(toJson({ reportIn: bucketId, ...body }));
      }
    }
  });

  await read('dlq', async () => {
    for (const m of await o.dlqMessages()) {
      hops.dlq.push(
        toJson(
          m.alert
            ? { queue: m.queue, seenAs: 'alert', messageId: m.messageId, object: m.alert.key }
            : { queue: m.queue, seenAs: 'message', messageId: m.messageId, body: parseMaybe(m.body ?? ''), attributes: m.messageAttributes ?? {} },
        ),
      );
    }
  });

  await read('alert', async () => {
    for (const a of await o.alerts()) hops.alert.push(toJson({ subject: a.subject ?? null, attributes: a.attributes, message: a.json }));
  });

  return { hops, unobservable };
}

/**
 * Observations once the pipeline is quiet: re-read until nothing changed for `quietMs` (a function may log
 * its last line just after the report an expectation waited for), bounded by `timeoutMs`. Not settling in
 * time is not an error: the last reading is returned with `settled: false`, and the report says so.
 */
export async function settledObservations(
  s: ScenarioContext,
  opts: { quietMs: number; timeoutMs: number; intervalMs: number },
): Promise<Observations & { settled: boolean }> {
  let last = await observeHops(s);
  let lastText = JSON.stringify(last);
  let changedAt = Date.now();
  try {
    return await waitFor(
      async () => {
        const now = await observeHops(s);
        const text = JSON.stringify(now);
        if (text !== lastText) {
          last = now;
          lastText = text;
          changedAt = Date.now();
          return undefined;
        }
        return Date.now() - changedAt >= opts.quietMs ? { ...now, settled: true } : undefined;
      },
      { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs, what: 'the pipeline to go quiet' },
    );
  } catch (e) {
    if (e instanceof WaitTimeoutError) return { ...last, settled: false };
    throw e;
  }
}

function parseMaybe(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** A JSON-safe copy (drops undefined and functions). */
function toJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}
