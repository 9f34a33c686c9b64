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
  /** 'virtual' (the default, DEFAULT_EMBEDDED_TIME) or a scale factor for real time (1 = real time, 0.2 = 5× faster). */
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
 * Virtual by default: time stands still while anything is under way (a request being served, a delivery
 * being received, a function running — the emulator counts each as busy) and jumps to the next timer as soon
 * as everything is quiet. A 30 s visibility timeout or a 1-minute Lambda retry then costs no real time, and
 * the order of events depends on what the system does rather than on how loaded this machine is (the whole
 * scenario suite passed 3 runs out of 3 this way, faster than at scale 0.2). HARNESS_TIME=<scale> (e.g. 0.2:
 * AWS durations run 5× faster) opts back into scaled real time, e.g. to watch a run in real time-ish.
 */
export const DEFAULT_EMBEDDED_TIME: 'virtual' | number = 'virtual';

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
        description: `embedded emulator at ${emu.endpoint} (${time === 'virtual' ? 'virtual time' : `time scale ${time}`}${opts.faults ? `, faults ${opts.faults}${opts.seed !== undefined ? ` with seed ${opts.seed}` : ''}` : ''})`,
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
