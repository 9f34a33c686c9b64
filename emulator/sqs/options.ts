import type { EmulatorOptions } from '../core/service';

/** The SQS options of EmulatorOptions a test may set, each defaulting to what AWS does. */
export type SqsOptions = Pick<EmulatorOptions, 'sqsMaxInflightMessages' | 'sqsMaxInflightMessagesFifo' | 'sqsDelayRecentlyDeleted'>;

export interface SqsSettings {
  maxInflightStandard: number;
  maxInflightFifo: number;
  delayRecentlyDeleted: boolean;
}

export const AWS_MAX_INFLIGHT = 120_000;

const positive = (n: unknown, fallback: number): number => (typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : fallback);

export function sqsSettings(options: EmulatorOptions): SqsSettings {
  return {
    maxInflightStandard: positive(options.sqsMaxInflightMessages, AWS_MAX_INFLIGHT),
    maxInflightFifo: positive(options.sqsMaxInflightMessagesFifo, AWS_MAX_INFLIGHT),
    delayRecentlyDeleted: options.sqsDelayRecentlyDeleted === true,
  };
}
