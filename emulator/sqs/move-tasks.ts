import type { ListMessageMoveTasksResultEntry } from '@aws-sdk/client-sqs';
import type { Clock, Timer } from '../core/clock';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import type { Queue, StoredMessage } from './queue';

/**
 * DLQ redrive (StartMessageMoveTask): moves messages out of a dead-letter queue, back to the queues they
 * came from (DeadLetterQueueSourceArn) or to one destination, at most `rate` messages per emulated second.
 * Runs on the injected clock, one tick per second, so a VirtualClock drives it deterministically.
 */

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

interface MoveTask {
  id: string;
  handle: string;
  sourceArn: string;
  destinationArn?: string;
  rate?: number;
  status: MoveTaskStatus;
  startedAt: number;
  toMove: number;
  moved: number;
  failureReason?: string;
  timer?: Timer;
}

export interface MoveTaskHost {
  queueByArn(arn: string): Queue | undefined;
  record(hop: { type: string; [k: string]: unknown }): void;
}

const DEFAULT_RATE = 500;

export class MoveTasks {
  private readonly tasks: MoveTask[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly host: MoveTaskHost,
  ) {}

  static encodeHandle(id: string, sourceArn: string): string {
    return Buffer.from(JSON.stringify({ taskId: id, sourceArn }), 'utf8').toString('base64');
  }

  active(sourceArn: string): MoveTask | undefined {
    return this.tasks.find((t) => t.sourceArn === sourceArn && (t.status === 'RUNNING' || t.status === 'CANCELLING'));
  }

  start(source: Queue, destinationArn: string | undefined, rate: number | undefined): string {
    if (this.active(source.arn)) {
      throw new AwsError(
        'InvalidParameterValue',
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
        400,
      );
    }
    const id = uuid();
    const task: MoveTask = {
      id,
      handle: MoveTasks.encodeHandle(id, source.arn),
      sourceArn: source.arn,
      destinationArn,
      rate,
      status: 'RUNNING',
      startedAt: this.clock.now(),
      toMove: source.stats().visible,
      moved: 0,
    };
    this.tasks.push(task);
    this.host.record({ type: 'sqs.move-task.start', queueArn: source.arn, destinationArn, taskHandle: task.handle, toMove: task.toMove });
    task.timer = this.clock.setTimer(0, () => this.tick(task));
    return task.handle;
  }

  private tick(task: MoveTask): void {
    task.timer = undefined;
    if (task.status === 'CANCELLING') return this.finish(task, 'CANCELLED');
    if (task.status !== 'RUNNING') return;
    const source = this.host.queueByArn(task.sourceArn);
    if (!source) return this.finish(task, 'FAILED', 'AWS.SimpleQueueService.NonExistentQueue');
    const perTick = task.rate ?? DEFAULT_RATE;
    for (let i = 0; i < perTick && task.moved < task.toMove; i++) {
      const m = source.takeForMove();
      if (!m) break;
      const targetArn = task.destinationArn ?? m.systemAttributes.DeadLetterQueueSourceArn;
      const target = targetArn ? this.host.queueByArn(targetArn) : undefined;
      if (!target) {
        source.accept(this.asNew(m, true));
        return this.finish(task, 'FAILED', targetArn ? 'AWS.SimpleQueueService.NonExistentQueue' : 'MissingDeadLetterQueueSourceArn');
      }
      try {
        target.accept(this.asNew(m, false));
      } catch (err) {
        source.accept(this.asNew(m, true));
        return this.finish(task, 'FAILED', (err as AwsError).code ?? 'InternalError');
      }
      task.moved++;
      this.host.record({ type: 'sqs.move', queueArn: source.arn, destinationArn: target.arn, messageId: m.id });
    }
    if (task.moved >= task.toMove || source.stats().visible === 0) return this.finish(task, 'COMPLETED');
    task.timer = this.clock.setTimer(1000, () => this.tick(task));
  }

  /** A moved message keeps its id, body and attributes; receive counts start over in the destination. */
  private asNew(m: StoredMessage, backToSource: boolean) {
    const systemAttributes = { ...m.systemAttributes };
    if (!backToSource) delete systemAttributes.DeadLetterQueueSourceArn;
    return {
      messageId: m.id,
      body: m.body,
      md5OfBody: m.md5OfBody,
      messageAttributes: m.messageAttributes,
      md5OfMessageAttributes: m.md5OfMessageAttributes,
      systemAttributes,
      senderId: m.senderId,
      groupId: m.groupId,
      dedupId: m.dedupId,
      sentTimestamp: backToSource ? m.sentTimestamp : undefined,
      enqueuedAt: backToSource ? m.enqueuedAt : undefined,
      receiveCount: backToSource ? m.receiveCount : 0,
      firstReceiveAt: backToSource ? m.firstReceiveAt : undefined,
    };
  }

  private finish(task: MoveTask, status: MoveTaskStatus, reason?: string): void {
    task.status = status;
    task.failureReason = reason;
    task.timer?.cancel();
    task.timer = undefined;
    this.host.record({ type: 'sqs.move-task.end', queueArn: task.sourceArn, status, moved: task.moved, failureReason: reason });
  }

  cancel(handle: string): number {
    let decoded: { taskId?: string; sourceArn?: string };
    try {
      decoded = JSON.parse(Buffer.from(handle, 'base64').toString('utf8'));
    } catch {
      throw new AwsError('InvalidParameterValue', 'Value for parameter TaskHandle is invalid.', 400);
    }
    const task = this.tasks.find((t) => t.id === decoded?.taskId);
    if (!task) throw new AwsError('ResourceNotFoundException', 'Task does not exist.', 404);
    if (task.status !== 'RUNNING') {
      throw new AwsError('UnsupportedOperation', `Only active tasks can be cancelled. Task status: ${task.status}.`, 400);
    }
    task.status = 'CANCELLING';
    task.timer?.cancel();
    task.timer = this.clock.setTimer(0, () => this.tick(task));
    return task.moved;
  }

  list(sourceArn: string, max: number): ListMessageMoveTasksResultEntry[] {
    return this.tasks
      .filter((t) => t.sourceArn === sourceArn)
      .sort((a, b) => b.startedAt - a.startedAt || this.tasks.indexOf(b) - this.tasks.indexOf(a))
      .slice(0, max)
      .map((t) => ({
        ...(t.status === 'RUNNING' ? { TaskHandle: t.handle } : {}),
        Status: t.status,
        SourceArn: t.sourceArn,
        ...(t.destinationArn ? { DestinationArn: t.destinationArn } : {}),
        ...(t.rate !== undefined ? { MaxNumberOfMessagesPerSecond: t.rate } : {}),
        ApproximateNumberOfMessagesMoved: t.moved,
        ApproximateNumberOfMessagesToMove: t.toMove,
        ...(t.failureReason ? { FailureReason: t.failureReason } : {}),
        StartedTimestamp: t.startedAt,
      }));
  }

  /** Drops tasks whose source queue is gone, and stops all timers on reset. */
  forgetSource(sourceArn: string): void {
    for (const t of this.tasks) if (t.sourceArn === sourceArn && t.status === 'RUNNING') this.finish(t, 'FAILED', 'AWS.SimpleQueueService.NonExistentQueue');
  }

  clear(): void {
    for (const t of this.tasks) t.timer?.cancel();
    this.tasks.length = 0;
  }
}
