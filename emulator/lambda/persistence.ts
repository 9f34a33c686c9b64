import { rewrittenWhole } from '../core/persist-whole';
import type { Persistable } from '../core/service';
import { unpackCode } from './code';
import type { EventSourceMappings } from './event-source-mappings';
import type { EventSourceMapping, LambdaCore, LambdaFunction } from './state';

/**
 * Lambda state as persisted entities: `f\0<arn>` (a function's configuration, package, policy, settings)
 * and `m\0<uuid>` (an event source mapping), rewritten after any request that may have changed one. A
 * restart unpacks each package into a new task root and brings functions back Active and mappings in their
 * settled state (Enabled ones polling again).
 */
const SEP = '\u0000';

type SavedFunction = Omit<LambdaFunction, 'settled' | 'settle' | 'oldCodeDirs'>;

export function lambdaPersistence(core: LambdaCore, mappings: EventSourceMappings): Persistable {
  const entries = (): [string, unknown][] => [
    ...[...core.functions.values()].map((fn): [string, unknown] => {
      const { settled: _s, settle: _x, oldCodeDirs: _o, ...saved } = fn;
      return [`f${SEP}${fn.arn}`, saved];
    }),
    ...[...core.mappings.values()].filter((m) => m.state !== 'Deleting').map((m): [string, unknown] => [`m${SEP}${m.uuid}`, m]),
  ];

  return rewrittenWhole(/^(Get|List|Invoke)/, entries, async (entities) => {
    for (const [key, value] of entities) {
      if (!key.startsWith(`f${SEP}`)) continue;
      const saved = value as SavedFunction;
      if (!saved.code.zip) continue;
      const code = { ...saved.code, ...(await unpackCode(saved.code.zip)), zip: saved.code.zip };
      core.functions.set(saved.arn, {
        ...saved,
        code,
        oldCodeDirs: [],
        state: saved.state === 'Failed' ? 'Failed' : 'Active',
        lastUpdateStatus: saved.lastUpdateStatus === 'Failed' ? 'Failed' : 'Successful',
        settled: Promise.resolve(),
        deleted: false,
      });
    }
    for (const [key, value] of entities) {
      if (key.startsWith(`m${SEP}`)) mappings.resume(value as EventSourceMapping);
    }
  });
}
