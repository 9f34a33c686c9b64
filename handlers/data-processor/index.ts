import { isSqsEvent, type SqsBatchResponse, type SqsRecord } from '../shared/event-types';
import { randomUUID } from 'node:crypto';
import { appendsReports, throwIfFaulted } from '../shared/faults';
import { REPORT_PREFIX, reportKeyFor } from '../shared/report-key';
import { extractS3Records, objectRefOf, type S3ObjectRef } from '../shared/s3-records';
import { partialBatchEnabled, receiveCountOf, runSqsBatch } from '../shared/sqs-batch';
import { defaultS3Client, s3ObjectStore, type ObjectStore } from './object-store';
import { formatOf, InvalidObjectError, processObject, rulesFromEnv, type ContentSummary } from './process-object';

/**
 * Data processor: for each new .csv/.json object, validate it and write a report next to it.
 *
 * Env:
 *   REPORT_BUCKET      bucket for reports (default: the object's own bucket)
 *   REQUIRED_COLUMNS   comma list of CSV columns the header must have
 *   REQUIRED_FIELDS    comma list of fields every JSON object must have
 *   QUARANTINE_PREFIX  when set (e.g. `quarantine/`), invalid objects are copied to <prefix><key> and
 *                      count as handled; when unset they fail (→ retries → DLQ)
 *   PARTIAL_BATCH      'false' when the SQS mapping has ReportBatchItemFailures off: throw instead
 *   HARNESS_FAULTS     fault injection, see shared/faults.ts
 *   AWS_ENDPOINT_URL, AWS_REGION   read by the SDK
 */

export interface Report extends ContentSummary {
  bucket: string;
  key: string;
  versionId: string | null;
  size: number;
  etag: string | null;
  status: 'ok';
}

/** What a direct (S3, SNS) invocation returns; SQS invocations return `{batchItemFailures}`. */
export interface ProcessSummary {
  processed: number;
  quarantined: number;
  /** ObjectRemoved and other non-create events. */
  ignored: number;
  /** Keys under the pipeline's own prefixes (reports/, quarantine/): never processed, or we would loop. */
  skipped: number;
  reports: string[];
}

export interface DataProcessorDeps {
  store: ObjectStore;
  env: Record<string, string | undefined>;
  log: (entry: Record<string, unknown>) => void;
}

type Outcome = { kind: 'processed'; reportKey: string } | { kind: 'quarantined' | 'ignored' | 'skipped' };

const LOOP_GUARD_PREFIXES = [REPORT_PREFIX, 'quarantine/'];

/** The report body: only facts about this object version, so a duplicate delivery writes identical bytes. */
export function buildReport(ref: S3ObjectRef, stored: { etag: string | null; size: number }, summary: ContentSummary): Report {
  return {
    bucket: ref.bucket,
    key: ref.key,
    versionId: ref.versionId,
    size: stored.size,
    etag: stored.etag ?? ref.eTag,
    ...summary,
    status: 'ok',
  };
}

export function createDataProcessor(deps: Partial<DataProcessorDeps> = {}) {
  let store = deps.store;
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  // Created on first use: an event with nothing to process never builds an SDK client.
  const storeNow = () => (store ??= s3ObjectStore(defaultS3Client()));

  async function handleRecord(ref: S3ObjectRef, env: Record<string, string | undefined>, receiveCount?: number): Promise<Outcome> {
    const where = `s3://${ref.bucket}/${ref.key}${ref.versionId ? `?versionId=${ref.versionId}` : ''}`;
    if (!ref.eventName.startsWith('ObjectCreated:')) {
      log({ level: 'info', msg: 'ignored event', eventName: ref.eventName, object: where });
      return { kind: 'ignored' };
    }
    const quarantinePrefix = env.QUARANTINE_PREFIX || undefined;
    const guarded = [...LOOP_GUARD_PREFIXES, ...(quarantinePrefix ? [quarantinePrefix] : [])];
    if (guarded.some((prefix) => ref.key.startsWith(prefix))) {
      log({ level: 'info', msg: 'skipped own output', object: where });
      return { kind: 'skipped' };
    }
    throwIfFaulted(env, ref.key, `${ref.bucket}/${ref.key}@${ref.versionId ?? ref.sequencer ?? ref.eTag}`, receiveCount);
    try {
      formatOf(ref.key); // an unsupported type is rejected before it is downloaded
      const stored = await storeNow().getObject(ref.bucket, ref.key, ref.versionId);
      const report = buildReport(ref, stored, processObject(ref.key, stored.text, rulesFromEnv(env)));
      const reportKey = appendsReports(env)
        ? reportKeyFor(ref.key, ref.versionId).replace(/\.json$/, `.${randomUUID().slice(0, 8)}.json`)
        : reportKeyFor(ref.key, ref.versionId);
      await storeNow().putJson(env.REPORT_BUCKET || ref.bucket, reportKey, report);
      log({ level: 'info', msg: 'processed', object: where, report: reportKey, rows: report.rows });
      return { kind: 'processed', reportKey };
    } catch (e) {
      // Only bad content is quarantined; S3 errors and the like stay failures so they are retried.
      if (!(e instanceof InvalidObjectError)) throw e;
      if (!quarantinePrefix) throw new InvalidObjectError(`${e.message} (${where})`);
      await storeNow().copyObject(ref.bucket, ref.key, ref.versionId, `${quarantinePrefix}${ref.key}`);
      log({ level: 'warn', msg: 'quarantined', object: where, reason: e.message });
      return { kind: 'quarantined' };
    }
  }

  async function handleSqs(records: SqsRecord[], env: Record<string, string | undefined>): Promise<SqsBatchResponse> {
    return runSqsBatch(
      records,
      async (record) => {
        for (const s3Record of extractS3Records(record)) {
          await handleRecord(objectRefOf(s3Record), env, receiveCountOf(record));
        }
      },
      { partial: partialBatchEnabled(env), log },
    );
  }

  /** S3 → Lambda and SNS → Lambda: every record is tried; any failure fails the invocation (→ retry → DLQ). */
  async function handleDirect(event: unknown, env: Record<string, string | undefined>): Promise<ProcessSummary> {
    const summary: ProcessSummary = { processed: 0, quarantined: 0, ignored: 0, skipped: 0, reports: [] };
    const errors: Error[] = [];
    for (const s3Record of extractS3Records(event)) {
      try {
        const outcome = await handleRecord(objectRefOf(s3Record), env);
        summary[outcome.kind] += 1;
        if (outcome.kind === 'processed') summary.reports.push(outcome.reportKey);
      } catch (e) {
        errors.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new Error(`${errors.length} records failed; first: ${errors[0].message}`);
    return summary;
  }

  return async function dataProcessor(event: unknown): Promise<ProcessSummary | SqsBatchResponse> {
    const env = deps.env ?? process.env;
    return isSqsEvent(event) ? handleSqs(event.Records, env) : handleDirect(event, env);
  };
}

let defaultProcessor: ReturnType<typeof createDataProcessor> | undefined;

/** The Lambda entry point (`index.handler` in the bundle). */
export async function handler(event: unknown): Promise<ProcessSummary | SqsBatchResponse> {
  defaultProcessor ??= createDataProcessor();
  return defaultProcessor(event);
}
