import { rewrittenWhole } from '../core/persist-whole';
import type { Persistable } from '../core/service';
import { ASYNC_EVENT_PREFIX, asyncEventPersistence } from './async-persistence';
import type { AsyncQueue } from './async-queue';
import { unpackCode } from './code';
import type { EventSourceMappings } from './event-source-mappings';
import type { CodeSigningConfigRecord, EventSourceMapping, FunctionCodeVersion, FunctionLayer, FunctionVersion, LambdaCore, LambdaFunction, Layer } from './state';

/**
 * Lambda state as persisted entities: `f\0<arn>` (a function's configuration, package, policy, settings,
 * its published versions with their packages, its aliases, and the layer contents it uses),
 * `l\0<layer arn>` (a layer: its versions with their archives and policies, and the last number given),
 * `m\0<uuid>` (an event source mapping) and `c\0<arn>` (a code signing configuration), rewritten after any
 * request that may have changed one. A restart unpacks each package into a new task root (layers wait, as
 * always, for the first environment that needs them) and brings functions back Active and mappings in their
 * settled state (Enabled ones polling again).
 * Asynchronous events not yet done are kept one by one as they change (async-persistence.ts).
 */
const SEP = '\u0000';

type SavedFunction = Omit<LambdaFunction, 'settled' | 'settle' | 'oldCodeDirs'>;

export function lambdaPersistence(core: LambdaCore, mappings: EventSourceMappings, queue: AsyncQueue, restored: () => void = () => undefined): Persistable {
  const events = asyncEventPersistence(queue);
  const entries = (): [string, unknown][] => [
    ...[...core.functions.values()].map((fn): [string, unknown] => {
      const { settled: _s, settle: _x, oldCodeDirs: _o, ...saved } = fn;
      return [`f${SEP}${fn.arn}`, saved];
    }),
    ...[...core.layers.values()].map((l): [string, unknown] => [`l${SEP}${l.arn}`, l]),
    ...[...core.mappings.values()].filter((m) => m.state !== 'Deleting').map((m): [string, unknown] => [`m${SEP}${m.uuid}`, m]),
    ...[...core.codeSigningConfigs.values()].map((c): [string, unknown] => [`c${SEP}${c.arn}`, c]),
  ];

  const whole = rewrittenWhole(/^(Get|List|Invoke)/, entries, async (entities) => {
    // Each archive comes back once per entity that names it: one buffer per content again, shared by the layer
    // version and every function and version using it, as before the restart (and stored once from then on).
    const archives = new Map<string, Buffer>();
    const shared = (sha256: string, zip: Buffer): Buffer => archives.get(sha256) ?? (archives.set(sha256, zip), zip);
    const sharedLayers = (layers: FunctionLayer[] | undefined) => layers?.map((l) => ({ ...l, zip: shared(l.sha256, l.zip) }));
    for (const [key, value] of entities) {
      if (key.startsWith(`c${SEP}`)) core.codeSigningConfigs.set((value as CodeSigningConfigRecord).arn, value as CodeSigningConfigRecord);
    }
    for (const [key, value] of entities) {
      if (!key.startsWith(`l${SEP}`)) continue;
      const layer = value as Layer;
      for (const v of layer.versions.values()) v.zip = shared(v.sha256, v.zip);
      core.layers.set(layer.arn, layer);
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
      for (const [n, v] of saved.versions ?? []) if (v.code.zip) versions.set(n, { ...v, code: await restoreCode(v.code), layers: sharedLayers(v.layers) });
      core.functions.set(saved.arn, {
        ...saved,
        code,
        layers: sharedLayers(saved.layers),
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

  return {
    touched: whole.touched,
    takeChanges: () => events.takeChanges(whole.takeChanges()),
    *entities() {
      yield* whole.entities();
      yield* events.entities();
    },
    async restore(entities) {
      // The events are not part of the whole-state entities (which would delete any key they do not list).
      const state = new Map([...entities].filter(([key]) => !key.startsWith(ASYNC_EVENT_PREFIX)));
      await whole.restore(state);
      events.restore(entities);
    },
  };
}
