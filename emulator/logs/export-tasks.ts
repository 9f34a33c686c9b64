import { gzipSync } from 'node:zlib';
import type { Clock, Timer } from '../core/clock';
import type { RequestContext } from '../core/context';
import type { DeliveryBus, Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { offsetPage } from '../core/paging';
import { eventsInTimeOrder, invalidToken } from './event-order';
import type { LogGroup } from './state';

/**
 * Export tasks (CreateExportTask, DescribeExportTasks, CancelExportTask): a log group's events in a time range,
 * written into an S3 bucket as AWS lays them out:
 *   <prefix>/aws-logs-write-test                      written when the task is created (AWS's permission check)
 *   <prefix>/<taskId>/<logStreamName>/000000.gz       gzip of one `<ISO-8601 timestamp> <message>` line per event
 * The task is PENDING when created, RUNNING a second later (emulator clock), and COMPLETED once its objects are
 * written another second on. Objects go through the delivery bus (`kind: 's3'`), never into S3's state: S3
 * stores them as PutObjects and raises its usual notifications.
 */
export interface ExportTask {
  taskId: string;
  taskName?: string;
  logGroupName: string;
  logStreamNamePrefix?: string;
  from: number;
  to: number;
  destination: string;
  destinationPrefix: string;
  status: ExportStatus;
  message: string;
  creationTime: number;
  completionTime?: number;
  region: string;
  accountId: string;
}
type ExportStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'PENDING_CANCEL';

const STATUSES: readonly ExportStatus[] = ['CANCELLED', 'COMPLETED', 'FAILED', 'PENDING', 'PENDING_CANCEL', 'RUNNING'];
/** Emulated time a task waits in PENDING, then in RUNNING before its objects are written. */
export const EXPORT_STEP_MS = 1_000;
/** Uncompressed bytes per exported object before the next (000001.gz…) starts. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const DEFAULT_PREFIX = 'exportedlogs';
const PAGE = 50;
const MESSAGES: Record<string, string> = {
  PENDING: 'Pending',
  RUNNING: 'Started successfully',
  COMPLETED: 'Completed successfully',
  CANCELLED: 'Cancelled by user',
};

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);
const ACL_FAILED = 'GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.';
const PUT_FAILED = 'PutObject call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.';
const NO_BUCKET = 'The given bucket does not exist. Please make sure the bucket is valid.';

export interface ExportTaskDeps {
  tasks: Map<string, ExportTask>;
  bus: DeliveryBus;
  clock: Clock;
  /** The group a task reads, in the task's account and Region (throws ResourceNotFoundException), its expired events already gone. */
  group(name: string, scope: { region: string; accountId: string }): LogGroup;
  changed(taskId: string): void;
}

const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
const originOf = (t: ExportTask): Origin => ({
  principal: `logs.${t.region}.amazonaws.com`,
  sourceArn: `arn:aws:logs:${t.region}:${t.accountId}:log-group:${t.logGroupName}:*`,
  sourceAccount: t.accountId,
  correlation: { exportTaskId: t.taskId },
});

/** The bucket's answer to a write, as CreateExportTask words it. */
function bucketError(err: unknown, whenDenied: string): AwsError {
  const code = (err as AwsError)?.code;
  if (code === 'NoSuchBucket') return invalid(NO_BUCKET);
  if (code === 'AccessDenied') return invalid(whenDenied);
  return err instanceof AwsError ? err : invalid(String((err as Error)?.message ?? err));
}

/** Each exported object of a stream: lines of at most MAX_FILE_BYTES, gzipped. */
function streamFiles(lines: string[]): Buffer[] {
  const files: Buffer[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (current.length && bytes + size > MAX_FILE_BYTES) {
      files.push(gzipSync(current.join('\n') + '\n'));
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  if (current.length) files.push(gzipSync(current.join('\n') + '\n'));
  return files;
}

export function exportTaskOperations(d: ExportTaskDeps) {
  const timers = new Map<string, Timer>();

  const setStatus = (t: ExportTask, status: ExportStatus, message = MESSAGES[status] ?? status) => {
    t.status = status;
    t.message = message;
    if (status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED') t.completionTime = d.clock.now();
    d.changed(t.taskId);
    d.bus.record({ type: 'logs.export.status', taskId: t.taskId, logGroupName: t.logGroupName, status });
  };

  const after = (t: ExportTask, fn: () => void) => {
    timers.get(t.taskId)?.cancel();
    timers.set(
      t.taskId,
      d.clock.setTimer(EXPORT_STEP_MS, () => {
        timers.delete(t.taskId);
        fn();
      }),
    );
  };

  /** Moves a task on from where it is (also after a restart). */
  function advance(t: ExportTask): void {
    if (t.status === 'PENDING') {
      after(t, () => {
        setStatus(t, 'RUNNING');
        advance(t);
      });
    } else if (t.status === 'RUNNING') {
      after(t, () => void d.bus.track(write(t)));
    }
  }

  async function write(t: ExportTask): Promise<void> {
    try {
      const g = d.group(t.logGroupName, t);
      const streams = [...g.streams.values()]
        .filter((s) => !t.logStreamNamePrefix || s.name.startsWith(t.logStreamNamePrefix))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const s of streams) {
        // Both ends of the range are included ("events with a timestamp earlier than `from` / later than `to` are not exported").
        const lines = eventsInTimeOrder(s)
          .filter((e) => e.timestamp >= t.from && e.timestamp <= t.to)
          .map((e) => `${new Date(e.timestamp).toISOString()} ${e.message}`);
        const files = streamFiles(lines);
        for (let i = 0; i < files.length; i++) {
          if (t.status !== 'RUNNING') return; // cancelled meanwhile
          const key = `${t.destinationPrefix}/${t.taskId}/${s.name}/${String(i).padStart(6, '0')}.gz`;
          await d.bus.sendNow(bucketArn(t.destination), { kind: 's3', key, body: files[i]!, contentType: 'application/octet-stream', contentEncoding: 'gzip' }, originOf(t));
        }
      }
      if (t.status === 'RUNNING') setStatus(t, 'COMPLETED');
    } catch (err) {
      if (t.status === 'RUNNING') setStatus(t, 'FAILED', bucketError(err, PUT_FAILED).message);
    }
  }

  return {
    /** Re-arms the tasks still under way (after a restart). */
    resume(): void {
      for (const t of d.tasks.values()) advance(t);
    },
    clear(): void {
      for (const timer of timers.values()) timer.cancel();
      timers.clear();
    },
    operations: {
      async CreateExportTask(input: any, ctx: RequestContext) {
        const g = d.group(input.logGroupName, ctx);
        const from = Number(input.from);
        const to = Number(input.to);
        if (!(from >= 0) || !(to >= 0) || from > to) {
          throw invalid(`Specified time range of '${input.from}' and '${input.to}' is not valid. Please make sure the values are within the retention period of the log group and from value is less than the to value`);
        }
        if (typeof input.destination !== 'string' || input.destination === '') throw invalid('destination is required.');
        // One task at a time per account, as AWS allows.
        if ([...d.tasks.values()].some((t) => t.status === 'PENDING' || t.status === 'RUNNING')) {
          throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);
        }
        const prefix = String(input.destinationPrefix ?? DEFAULT_PREFIX).replace(/\/+$/, '') || DEFAULT_PREFIX;
        const task: ExportTask = {
          taskId: uuid(),
          ...(input.taskName !== undefined ? { taskName: input.taskName } : {}),
          logGroupName: g.name,
          ...(input.logStreamNamePrefix ? { logStreamNamePrefix: input.logStreamNamePrefix } : {}),
          from,
          to,
          destination: input.destination,
          destinationPrefix: prefix,
          status: 'PENDING',
          message: MESSAGES.PENDING!,
          creationTime: d.clock.now(),
          region: ctx.region,
          accountId: ctx.accountId,
        };
        const origin = originOf(task);
        try {
          d.bus.check(bucketArn(task.destination), origin);
        } catch (err) {
          throw bucketError(err, ACL_FAILED);
        }
        try {
          const body = Buffer.from('Permission Check Successful');
          await d.bus.sendNow(bucketArn(task.destination), { kind: 's3', key: `${prefix}/aws-logs-write-test`, body, contentType: 'text/plain' }, origin);
        } catch (err) {
          throw bucketError(err, PUT_FAILED);
        }
        d.tasks.set(task.taskId, task);
        d.changed(task.taskId);
        d.bus.record({ type: 'logs.export.created', taskId: task.taskId, logGroupName: task.logGroupName, destination: task.destination });
        advance(task);
        return { taskId: task.taskId };
      },

      DescribeExportTasks(input: any) {
        if (input.statusCode !== undefined && !STATUSES.includes(input.statusCode)) {
          throw invalid(`1 validation error detected: Value '${input.statusCode}' at 'statusCode' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
        }
        const limit = input.limit ?? PAGE;
        if (!(limit >= 1 && limit <= PAGE)) throw invalid(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${PAGE}`);
        const all = [...d.tasks.values()]
          .filter((t) => input.taskId === undefined || t.taskId === input.taskId)
          .filter((t) => input.statusCode === undefined || t.status === input.statusCode)
          // Newest first.
          .sort((a, b) => b.creationTime - a.creationTime || (a.taskId < b.taskId ? -1 : 1));
        const { items, next } = offsetPage(all, input.nextToken, limit, 'x', invalidToken);
        return { exportTasks: items.map(exportTaskView), nextToken: next };
      },

      CancelExportTask(input: any) {
        const t = d.tasks.get(input.taskId);
        if (!t) throw new AwsError('ResourceNotFoundException', 'The specified export task does not exist.', 400);
        if (t.status !== 'PENDING' && t.status !== 'RUNNING') {
          throw new AwsError('InvalidOperationException', `The specified export task has already finished (${t.status}).`, 400);
        }
        timers.get(t.taskId)?.cancel();
        timers.delete(t.taskId);
        setStatus(t, 'CANCELLED');
        return {};
      },
    },
  };
}

const exportTaskView = (t: ExportTask) => ({
  taskId: t.taskId,
  taskName: t.taskName,
  logGroupName: t.logGroupName,
  from: t.from,
  to: t.to,
  destination: t.destination,
  destinationPrefix: t.destinationPrefix,
  status: { code: t.status, message: t.message },
  executionInfo: { creationTime: t.creationTime, ...(t.completionTime !== undefined ? { completionTime: t.completionTime } : {}) },
});
