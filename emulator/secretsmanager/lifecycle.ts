import type * as SM from '@aws-sdk/client-secrets-manager';
import { addDays } from '../core/calendar';
import { constraintViolation } from '../core/errors';
import { mergedTags, withoutTags } from '../core/tags';
import { invalidParameter, markedForDeletion, required, secretNotFound } from './errors';
import type { SecretStore } from './secrets';

/** Deletion with a recovery window, restore, and tags. */

const MAX_TAGS = 50;

export function checkTags(tags: SM.Tag[] | undefined): void {
  for (const t of tags ?? []) {
    if (t.Key === undefined) throw constraintViolation('ValidationException', 'tags.member.key', undefined, 'Member must not be null');
    if (t.Key.length < 1 || t.Key.length > 128) throw constraintViolation('ValidationException', 'tags.member.key', t.Key, 'Member must have length less than or equal to 128');
    if ((t.Value ?? '').length > 256) throw constraintViolation('ValidationException', 'tags.member.value', t.Value, 'Member must have length less than or equal to 256');
    if (t.Key.toLowerCase().startsWith('aws:')) throw invalidParameter('Invalid tag key: tag keys starting with aws: are reserved.');
  }
}

export function lifecycleOperations(store: SecretStore) {
  return {
    DeleteSecret(input: SM.DeleteSecretCommandInput): SM.DeleteSecretResponse {
      const id = required(input.SecretId, 'secretId');
      const window = input.RecoveryWindowInDays;
      if (window !== undefined && input.ForceDeleteWithoutRecovery) {
        throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      }
      if (window !== undefined && (window < 7 || window > 30)) {
        throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
      }
      const now = store.now();
      const s = store.find(id);
      if (!s) {
        // AWS: forcing the deletion of a secret that is already gone is not ResourceNotFoundException, so a retried
        // delete succeeds. There is no secret to describe: the answer echoes the id it was given.
        if (!input.ForceDeleteWithoutRecovery) throw secretNotFound();
        return { ...(id.startsWith('arn:') ? { ARN: id } : { Name: id }), DeletionDate: new Date(now) };
      }
      if (input.ForceDeleteWithoutRecovery) {
        store.remove(s);
        return { ARN: s.arn, Name: s.name, DeletionDate: new Date(now) };
      }
      // A secret already waiting out its window can only be deleted for good (ForceDeleteWithoutRecovery) or restored.
      if (s.deleted !== undefined) throw markedForDeletion();
      s.deleted = now;
      s.deletionDate = addDays(now, window ?? 30);
      store.changed(s);
      return { ARN: s.arn, Name: s.name, DeletionDate: new Date(s.deletionDate!) };
    },

    RestoreSecret(input: SM.RestoreSecretCommandInput): SM.RestoreSecretResponse {
      const s = store.get(required(input.SecretId, 'secretId'), { allowDeleted: true });
      if (s.deleted !== undefined) {
        s.deleted = undefined;
        s.deletionDate = undefined;
        store.changed(s);
      }
      return { ARN: s.arn, Name: s.name };
    },

    TagResource(input: SM.TagResourceCommandInput): Record<string, never> {
      const s = store.get(required(input.SecretId, 'secretId'));
      const tags = required(input.Tags, 'tags');
      checkTags(tags);
      const merged = mergedTags(s.tags, tags);
      if (merged.length > MAX_TAGS) throw invalidParameter(`Number of tags exceeds the limit of ${MAX_TAGS}.`);
      s.tags = merged;
      store.changed(s);
      return {};
    },

    UntagResource(input: SM.UntagResourceCommandInput): Record<string, never> {
      const s = store.get(required(input.SecretId, 'secretId'));
      s.tags = withoutTags(s.tags, required(input.TagKeys, 'tagKeys'));
      store.changed(s);
      return {};
    },
  };
}
