import type * as SM from '@aws-sdk/client-secrets-manager';
import { previousMidnight } from '../core/calendar';
import { AwsError, constraintViolation } from '../core/errors';
import { uuid } from '../core/ids';
import { mergedTags } from '../core/tags';
import { invalidParameter, invalidRequest, lengthIn, required, versionNotFound } from './errors';
import { checkTags } from './lifecycle';
import { page } from './listing';
import { checkName, type Secret, type SecretStore, type SecretValue, type SecretVersion } from './secrets';
import { addVersion, attachStage, CURRENT, detachStage, holder, PENDING, sameValue } from './versions';

/** Secret values: create, read, write, and the staging labels that say which version is which. */

const MAX_SECRET_BYTES = 65_536;

/** The value a request carries (SecretString or SecretBinary, never both), if any. */
export function valueFrom(input: { SecretString?: string; SecretBinary?: Uint8Array | string }): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (input.SecretString !== undefined) {
    if (Buffer.byteLength(input.SecretString) > MAX_SECRET_BYTES) {
      throw constraintViolation('ValidationException', 'secretString', '***', `Member must have length less than or equal to ${MAX_SECRET_BYTES}`);
    }
    return { string: input.SecretString };
  }
  if (input.SecretBinary !== undefined) {
    const binary = typeof input.SecretBinary === 'string' ? Buffer.from(input.SecretBinary, 'base64') : Buffer.from(input.SecretBinary);
    if (binary.length > MAX_SECRET_BYTES) {
      throw constraintViolation('ValidationException', 'secretBinary', '***', `Member must have length less than or equal to ${MAX_SECRET_BYTES}`);
    }
    return { binary };
  }
  return undefined;
}

const valueOut = (v: SecretValue) => (v.binary ? { SecretBinary: v.binary } : { SecretString: v.string });

/** ClientRequestToken: the version id (the SDKs and CLIs fill in a UUID when the caller gives none). */
function token(t: string | undefined): string {
  lengthIn(t, 'clientRequestToken', 32, 64);
  return t ?? uuid();
}

function checkStages(stages: string[] | undefined): void {
  if (stages === undefined) return;
  if (stages.length > 20) throw constraintViolation('ValidationException', 'versionStages', stages, 'Member must have length less than or equal to 20');
  for (const s of stages) lengthIn(s, 'versionStages.member', 1, 256);
}

const versionConflict = (t: string, s: Secret) =>
  new AwsError('ResourceExistsException', `You can't use ClientRequestToken ${t} because that value is already in use for a version of secret ${s.arn}.`, 400);

/**
 * Writes a value as version `id`: a new version with `stages`; the same value again under the same token changes
 * nothing (idempotent retry); another value under a used token is refused. The empty version a rotation started
 * is filled in (the rotation function's createSecret step).
 */
export function writeVersion(store: SecretStore, s: Secret, id: string, value: SecretValue, stages: string[]): SecretVersion {
  const existing = s.versions.get(id);
  if (existing) {
    if (existing.value === undefined) {
      existing.value = value;
      for (const stage of stages) attachStage(s, existing, stage);
      store.changed(s);
      return existing;
    }
    if (sameValue(existing.value, value)) return existing;
    throw versionConflict(id, s);
  }
  const v = addVersion(s, id, value, stages, store.now());
  store.changed(s);
  return v;
}

/** The version GetSecretValue means: by id, by label (default AWSCURRENT), or both (they must agree). */
export function pickVersion(s: Secret, versionId: string | undefined, stage: string | undefined): SecretVersion {
  if (versionId !== undefined) {
    const v = s.versions.get(versionId);
    if (!v || v.value === undefined || (stage !== undefined && !v.stages.includes(stage))) {
      throw versionNotFound(versionId);
    }
    return v;
  }
  const label = stage ?? CURRENT;
  const v = holder(s, label);
  if (!v || v.value === undefined) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${label}`, 400);
  return v;
}

/** Reads a version's value and notes the access (to the day, as AWS reports it). */
export function readValue(store: SecretStore, s: Secret, v: SecretVersion): SM.SecretValueEntry {
  // AWS's LastAccessedDate is to the day: midnight UTC of the day of access.
  const today = previousMidnight(store.now());
  s.lastAccessed = today;
  v.lastAccessed = today;
  return { ARN: s.arn, Name: s.name, VersionId: v.id, ...valueOut(v.value!), VersionStages: [...v.stages], CreatedDate: new Date(v.created) };
}

export function valueOperations(store: SecretStore) {
  return {
    CreateSecret(input: SM.CreateSecretCommandInput): SM.CreateSecretResponse {
      const name = required(input.Name, 'name');
      checkName(name);
      lengthIn(input.Description, 'description', 0, 2048);
      lengthIn(input.KmsKeyId, 'kmsKeyId', 0, 2048);
      const value = valueFrom(input);
      lengthIn(input.ClientRequestToken, 'clientRequestToken', 32, 64);
      checkTags(input.Tags);
      const existing = store.find(name);
      if (existing && existing.name === name) {
        if (existing.deleted !== undefined) throw invalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.");
        // A retry of the same request (same token, same value) answers as the first time did.
        const v = input.ClientRequestToken ? existing.versions.get(input.ClientRequestToken) : undefined;
        if (v && value && sameValue(v.value, value)) return { ARN: existing.arn, Name: existing.name, VersionId: v.id };
        throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`, 400);
      }
      const now = store.now();
      const s: Secret = {
        name,
        arn: store.newArn(name),
        description: input.Description,
        kmsKeyId: input.KmsKeyId,
        tags: mergedTags([], input.Tags),
        created: now,
        lastChanged: now,
        versions: new Map(),
      };
      store.secrets.set(name, s);
      const v = value ? addVersion(s, token(input.ClientRequestToken), value, [CURRENT], now) : undefined;
      return { ARN: s.arn, Name: s.name, ...(v ? { VersionId: v.id } : {}) };
    },

    GetSecretValue(input: SM.GetSecretValueCommandInput): SM.GetSecretValueResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      lengthIn(input.VersionId, 'versionId', 32, 64);
      lengthIn(input.VersionStage, 'versionStage', 1, 256);
      const { ARN, Name, VersionId, SecretString, SecretBinary, VersionStages, CreatedDate } = readValue(store, s, pickVersion(s, input.VersionId, input.VersionStage));
      return { ARN, Name, VersionId, SecretString, SecretBinary, VersionStages, CreatedDate };
    },

    PutSecretValue(input: SM.PutSecretValueCommandInput): SM.PutSecretValueResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      const value = valueFrom(input);
      if (!value) throw invalidRequest('You must provide either SecretString or SecretBinary.');
      checkStages(input.VersionStages);
      const v = writeVersion(store, s, token(input.ClientRequestToken), value, input.VersionStages ?? [CURRENT]);
      return { ARN: s.arn, Name: s.name, VersionId: v.id, VersionStages: [...v.stages] };
    },

    UpdateSecret(input: SM.UpdateSecretCommandInput): SM.UpdateSecretResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      lengthIn(input.Description, 'description', 0, 2048);
      lengthIn(input.KmsKeyId, 'kmsKeyId', 0, 2048);
      const value = valueFrom(input);
      if (input.Description !== undefined) s.description = input.Description;
      if (input.KmsKeyId !== undefined) s.kmsKeyId = input.KmsKeyId || undefined;
      store.changed(s);
      if (!value) return { ARN: s.arn, Name: s.name };
      const v = writeVersion(store, s, token(input.ClientRequestToken), value, [CURRENT]);
      return { ARN: s.arn, Name: s.name, VersionId: v.id };
    },

    UpdateSecretVersionStage(input: SM.UpdateSecretVersionStageCommandInput): SM.UpdateSecretVersionStageResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      const stage = required(input.VersionStage, 'versionStage');
      lengthIn(stage, 'versionStage', 1, 256);
      lengthIn(input.RemoveFromVersionId, 'removeFromVersionId', 32, 64);
      lengthIn(input.MoveToVersionId, 'moveToVersionId', 32, 64);
      const from = input.RemoveFromVersionId !== undefined ? s.versions.get(input.RemoveFromVersionId) : undefined;
      if (input.RemoveFromVersionId !== undefined) {
        if (!from) throw versionNotFound(input.RemoveFromVersionId);
        if (!from.stages.includes(stage)) {
          throw invalidParameter(`The staging label ${stage} is currently not attached to version ${from.id}, so you can't remove it.`);
        }
      }
      const heldBy = holder(s, stage);
      if (input.MoveToVersionId !== undefined) {
        const to = s.versions.get(input.MoveToVersionId);
        if (!to) throw versionNotFound(input.MoveToVersionId);
        if (heldBy && heldBy !== to && heldBy !== from) {
          throw invalidParameter(
            `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${heldBy.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
          );
        }
        const finishesRotation = stage === CURRENT && to.stages.includes(PENDING) && heldBy !== to;
        attachStage(s, to, stage);
        if (finishesRotation && s.rotation) s.rotation.lastRotated = store.now();
      } else if (from) {
        if (stage === CURRENT) throw invalidParameter("You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.");
        detachStage(from, stage);
      }
      store.changed(s);
      return { ARN: s.arn, Name: s.name };
    },

    ListSecretVersionIds(input: SM.ListSecretVersionIdsCommandInput): SM.ListSecretVersionIdsResponse {
      const s = store.get(required(input.SecretId, 'secretId'), { allowDeleted: true });
      const all = [...s.versions.values()].filter((v) => input.IncludeDeprecated || v.stages.length > 0);
      const { items, NextToken } = page(all, input.MaxResults, input.NextToken);
      return {
        ARN: s.arn,
        Name: s.name,
        Versions: items.map((v) => ({
          VersionId: v.id,
          ...(v.stages.length ? { VersionStages: [...v.stages] } : {}),
          ...(v.lastAccessed !== undefined ? { LastAccessedDate: new Date(v.lastAccessed) } : {}),
          CreatedDate: new Date(v.created),
          KmsKeyIds: [s.kmsKeyId ?? 'DefaultEncryptionKey'],
        })),
        ...(NextToken ? { NextToken } : {}),
      };
    },
  };
}
