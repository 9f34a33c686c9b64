import { PendingRecords } from '../core/pending-records';
import type { EntityChange } from '../core/service';
import type { PublishedMessage } from './state';

/**
 * `--data-dir` only: the deliveries SNS still owes, so a restart neither loses one nor forgets where its retries
 * stood. A published message is owed to each sqs/lambda/http/https subscription it matched from the moment
 * Publish accepts it; each failed attempt records the retries made and when the next is due (emulator clock);
 * delivery, the DLQ or a drop settles it. Saved as one entity per message, `p\0<messageId>`, rewritten (or
 * removed) once per flush however many of its deliveries changed.
 *
 * At-least-once: an attempt under way at a kill is made again after the restart (SNS may deliver twice).
 */
export interface OwedDelivery {
  subscriptionArn: string;
  /** Retries made so far (0: the first attempt is still to come). */
  retries: number;
  /** Emulator time the next attempt is due. */
  due: number;
}

export interface OwedMessage {
  message: PublishedMessage;
  deliveries: Map<string, OwedDelivery>;
}

const SEP = '\u0000';
const OWED_PREFIX = `p${SEP}`;

export class OwedDeliveries {
  private readonly owed = new Map<string, OwedMessage>();
  private readonly records = new PendingRecords();

  /** Publish accepted `m` for these subscriptions: each delivery is owed until settled. */
  owe(m: PublishedMessage, subscriptionArns: string[], now: number): void {
    if (subscriptionArns.length === 0) return;
    const deliveries = new Map(subscriptionArns.map((arn) => [arn, { subscriptionArn: arn, retries: 0, due: now }]));
    this.owed.set(m.messageId, { message: m, deliveries });
    this.noteChange(m.messageId);
  }

  /** An attempt failed: retry number `retries` is due at `due`. */
  retrying(m: PublishedMessage, subscriptionArn: string, retries: number, due: number): void {
    const d = this.owed.get(m.messageId)?.deliveries.get(subscriptionArn);
    if (!d) return;
    d.retries = retries;
    d.due = due;
    this.noteChange(m.messageId);
  }

  /** Delivered, sent to the DLQ, or dropped: nothing more is owed. */
  settled(m: PublishedMessage, subscriptionArn: string): void {
    const owed = this.owed.get(m.messageId);
    if (!owed?.deliveries.delete(subscriptionArn)) return;
    if (owed.deliveries.size === 0) this.owed.delete(m.messageId);
    this.noteChange(m.messageId);
  }

  reset(): void {
    this.owed.clear();
  }

  drainInto(changes: EntityChange[]): void {
    this.records.drainInto(changes);
  }

  *entities(): Iterable<[string, unknown]> {
    for (const [id, owed] of this.owed) yield [OWED_PREFIX + id, owed];
  }

  /** Takes back a saved entity (restore); the caller re-arms what it returns. */
  restored(value: OwedMessage): OwedMessage {
    this.owed.set(value.message.messageId, value);
    return value;
  }

  private noteChange(messageId: string): void {
    this.records.note(OWED_PREFIX + messageId, () => this.owed.get(messageId));
  }
}
