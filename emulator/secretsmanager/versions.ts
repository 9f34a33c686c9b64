import { DAY_MS } from '../core/calendar';
import type { Secret, SecretValue, SecretVersion } from './secrets';

/**
 * Versions and their staging labels. A label is on at most one version; moving AWSCURRENT moves AWSPREVIOUS to
 * the version it left. A version without labels is deprecated: listed only with IncludeDeprecated, and dropped
 * once the secret has more than 100 versions and it is older than a day (AWS's rule).
 */
export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';
export const PENDING = 'AWSPENDING';

const MAX_VERSIONS = 100;
const KEEP_YOUNGER_THAN_MS = DAY_MS;

export const holder = (s: Secret, stage: string): SecretVersion | undefined => [...s.versions.values()].find((v) => v.stages.includes(stage));

export function sameValue(a: SecretValue | undefined, b: SecretValue): boolean {
  if (!a) return false;
  if (a.string !== b.string) return false;
  if (!a.binary !== !b.binary) return false;
  return !a.binary || a.binary.equals(b.binary!);
}

/**
 * Puts `stage` on `version`, taking it off whichever version had it. A version's labels are kept sorted: AWS
 * answers them in that order (PutSecretValue's VersionStages, GetSecretValue, VersionIdsToStages), not as given.
 */
export function attachStage(s: Secret, version: SecretVersion, stage: string): void {
  const before = holder(s, stage);
  if (before === version) return;
  if (before) before.stages = before.stages.filter((l) => l !== stage);
  if (!version.stages.includes(stage)) version.stages = [...version.stages, stage].sort();
  if (stage === CURRENT && before) attachStage(s, before, PREVIOUS);
}

export function detachStage(version: SecretVersion, stage: string): void {
  version.stages = version.stages.filter((l) => l !== stage);
}

/** Adds a version with the given labels (a secret's first value is AWSCURRENT whatever was asked). */
export function addVersion(s: Secret, id: string, value: SecretValue | undefined, stages: string[], now: number): SecretVersion {
  const version: SecretVersion = { id, value, stages: [], created: now };
  const first = !holder(s, CURRENT) && value !== undefined;
  s.versions.set(id, version);
  for (const stage of stages) attachStage(s, version, stage);
  if (first && !version.stages.includes(CURRENT)) attachStage(s, version, CURRENT);
  prune(s, now);
  return version;
}

function prune(s: Secret, now: number): void {
  if (s.versions.size <= MAX_VERSIONS) return;
  for (const v of [...s.versions.values()]) {
    if (s.versions.size <= MAX_VERSIONS) break;
    if (v.stages.length === 0 && now - v.created > KEEP_YOUNGER_THAN_MS) s.versions.delete(v.id);
  }
}

/** DescribeSecret's VersionIdsToStages / ListSecrets' SecretVersionsToStages: labelled versions only. */
export function versionsToStages(s: Secret): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const v of s.versions.values()) if (v.stages.length) out[v.id] = [...v.stages];
  return Object.keys(out).length ? out : undefined;
}
