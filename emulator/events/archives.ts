import { AwsError } from '../core/errors';
import { keyIn, type Scope } from '../core/scope';

/** Archived events of a bus, for StartReplay. */
export interface Archive {
  ArchiveName: string;
  ArchiveArn: string;
  EventSourceArn: string;
  Description?: string;
  EventPattern?: string;
  RetentionDays: number;
  State: 'ENABLED' | 'DISABLED';
  CreationTime: Date;
  events: { time: number; event: Record<string, unknown> }[];
}

export type ReplayState = 'STARTING' | 'RUNNING' | 'CANCELLING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

export interface Replay {
  ReplayName: string;
  ReplayArn: string;
  EventSourceArn: string;
  Description?: string;
  Destination: { Arn: string; FilterArns?: string[] };
  EventStartTime: Date;
  EventEndTime: Date;
  State: ReplayState;
  StateReason?: string;
  ReplayStartTime?: Date;
  ReplayEndTime?: Date;
  EventLastReplayedTime?: Date;
}

export function replayView(r: Replay) {
  return { ...r };
}

/** An archive of `scope`'s account and Region. */
export function requireArchive(archives: Map<string, Archive>, scope: Scope, name: string | undefined): Archive {
  const a = name ? archives.get(keyIn(scope, name)) : undefined;
  if (!a) throw new AwsError('ResourceNotFoundException', `Archive ${name} does not exist.`, 400);
  return a;
}
