import type * as SM from '@aws-sdk/client-secrets-manager';
import { inRange, invalidParameter, required } from './errors';
import { checkFilters, matchesFilters, page, sortSecrets } from './listing';
import { nextRotationDate } from './rotation';
import type { Secret, SecretStore } from './secrets';
import { replicationStatus } from './replication';
import { pickVersion, readValue } from './values';
import { versionsToStages } from './versions';

/** DescribeSecret, ListSecrets and BatchGetSecretValue: what a secret looks like from outside. */

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

/** The members DescribeSecret and ListSecrets share (absent ones left out, as AWS does). */
function metadata(s: Secret, store: SecretStore) {
  const out: Record<string, unknown> = {
    ARN: s.arn,
    Name: s.name,
    Description: s.description,
    KmsKeyId: s.kmsKeyId,
    // Present once rotation has been configured (true, or false after CancelRotateSecret).
    RotationEnabled: s.rotation?.enabled,
    RotationLambdaARN: s.rotation?.lambdaArn,
    RotationRules: s.rotation?.rules,
    LastRotatedDate: date(s.rotation?.lastRotated),
    LastChangedDate: date(s.lastChanged),
    LastAccessedDate: date(s.lastAccessed),
    DeletedDate: date(s.deleted),
    NextRotationDate: date(nextRotationDate(s)),
    Tags: s.tags.length ? s.tags.map((t) => ({ ...t })) : undefined,
    CreatedDate: date(s.created),
    // Only a secret another service manages has one (managed.ts).
    OwningService: s.owningService,
    // A replica names its primary's Region; any other secret, its own.
    PrimaryRegion: s.primaryRegion ?? store.region,
    ReplicationStatus: s.replicas?.length ? replicationStatus(store, s) : undefined,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export function describeOperations(store: SecretStore) {
  const region = store.region;

  /** BatchGetSecretValue's answer: each secret's AWSCURRENT value, or the error reading it gave, under the id asked for. */
  function currentValues(wanted: { id: string; secret: () => Secret }[]): { SecretValues: SM.SecretValueEntry[]; Errors: SM.APIErrorType[] } {
    const SecretValues: SM.SecretValueEntry[] = [];
    const Errors: SM.APIErrorType[] = [];
    for (const { id, secret } of wanted) {
      try {
        const s = secret();
        SecretValues.push(readValue(store, s, pickVersion(s, undefined, undefined)));
      } catch (e) {
        const err = e as { name?: string; message?: string };
        Errors.push({ SecretId: id, ErrorCode: err.name, Message: err.message });
      }
    }
    return { SecretValues, Errors };
  }

  return {
    DescribeSecret(input: SM.DescribeSecretCommandInput): SM.DescribeSecretResponse {
      const s = store.get(required(input.SecretId, 'secretId'), { allowDeleted: true });
      const stages = versionsToStages(s);
      return { ...metadata(s, store), ...(stages ? { VersionIdsToStages: stages } : {}) } as SM.DescribeSecretResponse;
    },

    ListSecrets(input: SM.ListSecretsCommandInput): SM.ListSecretsResponse {
      checkFilters(input.Filters);
      store.purgeExpired();
      const matching = [...store.secrets.values()].filter((s) => (input.IncludePlannedDeletion || s.deleted === undefined) && matchesFilters(s, input.Filters, region));
      const { items, NextToken } = page(sortSecrets(matching, input.SortBy, input.SortOrder), input.MaxResults, input.NextToken);
      return {
        SecretList: items.map((s) => {
          const stages = versionsToStages(s);
          return { ...metadata(s, store), ...(stages ? { SecretVersionsToStages: stages } : {}) } as SM.SecretListEntry;
        }),
        ...(NextToken ? { NextToken } : {}),
      };
    },

    BatchGetSecretValue(input: SM.BatchGetSecretValueCommandInput): SM.BatchGetSecretValueResponse {
      const ids = input.SecretIdList;
      if ((ids === undefined) === (input.Filters === undefined)) {
        throw invalidParameter("Either 'SecretIdList' or 'Filters' must be provided, but not both.");
      }
      if (ids) {
        if (input.MaxResults !== undefined || input.NextToken !== undefined) {
          throw invalidParameter("'Filters' not specified. 'Filters' must also be specified when 'MaxResults' or 'NextToken' is provided in input.");
        }
        if (ids.length < 1 || ids.length > 20) throw invalidParameter('SecretIdList must contain between 1 and 20 secret ids.');
        return currentValues(ids.map((id) => ({ id, secret: () => store.get(id) })));
      }
      checkFilters(input.Filters);
      inRange(input.MaxResults, 'maxResults', 1, 20);
      store.purgeExpired();
      const matching = [...store.secrets.values()].filter((s) => s.deleted === undefined && matchesFilters(s, input.Filters, region));
      const { items, NextToken } = page(sortSecrets(matching, undefined, undefined), input.MaxResults, input.NextToken, 20);
      return { ...currentValues(items.map((s) => ({ id: s.arn, secret: () => s }))), ...(NextToken ? { NextToken } : {}) };
    },
  };
}
