import { rewrittenWhole } from '../core/persist-whole';
import type { Persistable } from '../core/service';
import { unpackCode } from './code';
import type { EventSourceMappings } from './event-source-mappings';
import type { EventSourceMapping, FunctionCodeVersion, FunctionVersion, LambdaCore, LambdaFunction, Layer } from './state';

/**
 * Lambda state as persisted entities: `f\0<arn>` (a function's configuration, package, policy, settings,
 * its published versions with their packages, its aliases, and the layer contents it uses),
 * `l\0<layer arn>` (a layer: its versions with their archives and policies, and the last number given)
 * and `m\0<uuid>` (an event source mapping), rewritten after any request that may have changed one. A
 * restart unpacks each package into a new task root (layers wait, as always, for the first environment that
 * needs them) and brings functions back Active and mappings in their settled state (Enabled ones polling again).
 */
const SEP = '\u0000';

type SavedFunction = Omit<LambdaFunction, 'settled' | 'settle' | 'oldCodeDirs'>;

export function lambdaPersistence(core: LambdaCore, mappings: EventSourceMappings, restored: () => void = () => undefined): Persistable {
  const entries = (): [string, unknown][] => [
    ...[...core.functions.values()].map((fn): [string, unknown] => {
      const { settled: _s, settle: _x, oldCodeDirs: _o, ...saved } = fn;
      return [`f${SEP}${fn.arn}`, saved];
    }),
    ...[...core.layers.values()].map((l): [string, unknown] => [`l${SEP}${l.arn}`, l]),
    ...[...core.mappings.values()].filter((m) => m.state !== 'Deleting').map((m): [string, unknown] => [`m${SEP}${m.uuid}`, m]),
  ];

  return rewrittenWhole(/^(Get|List|Invoke)/, entries, async (entities) => {
    for (const [key, value] of entities) {
      if (key.startsWith(`l${SEP}`)) core.layers.set((value as Layer).arn, value as Layer);
    }
    for (const [key, value] of entities) {
      if (!key.startsWith(`f${SEP}`)) continue;
      const saved = value as SavedFunction;
      if (!saved.code.zip) continue;
      // One task root per package: $LATEST and the versions published from the same code share it.
      const unpacked = new Map<string, FunctionCodeVersion>();
      const restoreCode = async (c: FunctionCodeVersion): Promise<FunctionCodeVersion> => {
        const known = unpacked.get(c.sha256);
        if (known) return known;
        const code = { ...c, ...(await unpackCode(c.zip!)), zip: c.zip };
        unpacked.set(c.sha256, code);
        return code;
      };
      const code = await restoreCode(saved.code);
      // Saved before versions existed: none.
      const versions = new Map<string, FunctionVersion>();
      for (const [n, v] of saved.versions ?? []) if (v.code.zip) versions.set(n, { ...v, code: await restoreCode(v.code) });
      core.functions.set(saved.arn, {
        ...saved,
        code,
        versions,
        lastVersion: saved.lastVersion ?? 0,
        aliases: saved.aliases ?? new Map(),
        urlConfigs: saved.urlConfigs ?? new Map(),
        // Provisioned concurrency comes back IN_PROGRESS and its environments start again (`restored`).
        provisioned: saved.provisioned ?? new Map(),
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
    restored();
  });
}
