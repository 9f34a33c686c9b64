import { startEmulator, type RunningEmulator, type StartOptions } from '../../emulator';
import type { Backend, BackendConnection, Timing } from './types';

/**
 * The emulator in this process. Time is either virtual (it jumps to the next timer whenever nothing is
 * happening, so a 2-minute retry costs nothing) or real time scaled by a factor.
 */
export interface EmbeddedOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** 'virtual' or a scale factor for real time (1 = real time, 0.2 = 5× faster; default DEFAULT_EMBEDDED_TIME). */
  time?: 'virtual' | number;
  /** The emulator's fault spec (emulator/core/faults.ts), e.g. `duplicate=0.1`. */
  faults?: string;
  seed?: number;
  /** Extra emulator options (region, strict, …). */
  emulator?: Partial<StartOptions>;
  log?: (message: string) => void;
}

/** HARNESS_TIME=virtual | <scale>, e.g. 0.05. */
export function timeFromEnv(value: string | undefined): EmbeddedOptions['time'] {
  if (value === undefined || value === '') return undefined;
  if (value === 'virtual') return 'virtual';
  const n = Number(value);
  if (!(n > 0)) throw new Error(`HARNESS_TIME must be "virtual" or a positive time scale, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Scaled, not virtual, by default: the emulator's virtual clock does not yet count a running function as
 * "busy", so it jumps past visibility timeouts while a function still runs and SQS hands the message out
 * again. At 0.2 a 30 s visibility timeout is 6 real seconds (well above a cold start on a loaded 2-core
 * machine) and a 1-minute Lambda retry is 12 s. HARNESS_TIME=virtual opts in.
 */
export const DEFAULT_EMBEDDED_TIME = 0.2;

export function embeddedBackend(opts: EmbeddedOptions = {}): Backend {
  let emu: RunningEmulator | undefined;
  const time = opts.time ?? DEFAULT_EMBEDDED_TIME;
  return {
    name: 'embedded',
    async start(): Promise<BackendConnection> {
      emu = await startEmulator({
        host: opts.host ?? '127.0.0.1',
        port: opts.port ?? 0,
        ...(time === 'virtual' ? { virtualTime: true } : { timeScale: time }),
        ...(opts.faults ? { faults: opts.faults } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.log ? { log: opts.log } : {}),
        ...opts.emulator,
      });
      const services = Object.keys(emu.providers);
      return {
        name: 'embedded',
        endpoint: emu.endpoint,
        region: emu.region,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        description: `embedded emulator at ${emu.endpoint} (${time === 'virtual' ? 'virtual time' : `time scale ${time}`}${opts.faults ? `, faults ${opts.faults}` : ''})`,
        capabilities: {
          faults: true,
          virtualTime: time === 'virtual',
          peek: true,
          reset: true,
          lambdaExecution: services.includes('lambda'),
        },
        timing: embeddedTiming(time),
        emulator: emu,
      };
    },
    async stop() {
      await emu?.stop();
      emu = undefined;
    },
  };
}

function embeddedTiming(time: 'virtual' | number): Timing {
  // Virtual time makes AWS's own durations free; a scaled clock turns 30 s into 30 × scale real seconds.
  const scale = time === 'virtual' ? 0 : time;
  return {
    visibilityTimeoutSeconds: 30,
    functionTimeoutSeconds: 10,
    withinMs: Math.max(20_000, Math.round(3 * 90_000 * scale)),
    pollMs: 25,
  };
}
