import { uuid } from '../core/ids';
import type { DeliveryBus } from '../core/delivery';
import { scopeOfArn } from '../core/scope';
import { invalidRequest, secretNotFound } from './errors';
import type { Secret, SecretStore } from './secrets';
import { writeVersion } from './values';
import { addVersion, CURRENT, holder } from './versions';

/**
 * Secrets another service manages (EventBridge keeps a connection's credentials in `events!connection/…`). That
 * service creates, updates, reads and deletes them through the delivery bus; DescribeSecret and ListSecrets show
 * its id as OwningService (describe.ts); GetSecretValue works as for any secret; requests that would change one
 * are refused with InvalidRequestException, as AWS refuses them ("managed by another service, use that service
 * to update it").
 *
 * Bus questions (owningService must match the secret's owner for all but create); a secret is made in the Region
 * create names (the owner's resource's; the emulator's default without one) and found by its ARN's Region:
 *   secretsmanager.managed.create {owningService, name, secretString, region?} → {arn}
 *   secretsmanager.managed.update {owningService, secretArn, secretString}
 *   secretsmanager.managed.read   {owningService, secretArn} → secretString
 *   secretsmanager.managed.delete {owningService, secretArn} (at once: the owner deleted what it stands for)
 */

/** Operations that change a secret: refused on a managed one. */
export const CHANGING = [
  'PutSecretValue',
  'UpdateSecret',
  'UpdateSecretVersionStage',
  'DeleteSecret',
  'RestoreSecret',
  'TagResource',
  'UntagResource',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
  'RotateSecret',
  'CancelRotateSecret',
];

/** Answers the bus questions above; `storeIn` gives a Region's store (undefined: the emulator's default Region). */
export function answerManagedSecrets(bus: DeliveryBus, storeIn: (region: string | undefined) => SecretStore, changed: () => void): void {
  const storeOf = (secretArn: string) => storeIn(scopeOfArn(secretArn)?.region);
  const owned = (owningService: string, secretArn: string): { store: SecretStore; secret: Secret } => {
    const store = storeOf(secretArn);
    const secret = store.find(secretArn);
    if (!secret || secret.owningService !== owningService) throw secretNotFound();
    return { store, secret };
  };

  bus.answer<{ owningService: string; name: string; secretString: string; region?: string }, { arn: string }>('secretsmanager.managed.create', async ({ owningService, name, secretString, region }) => {
    const store = storeIn(region);
    if (store.find(name)) throw invalidRequest(`A secret named ${name} already exists.`);
    const now = store.now();
    const s: Secret = { name, arn: store.newArn(name), tags: [], created: now, lastChanged: now, versions: new Map(), owningService };
    store.secrets.set(name, s);
    addVersion(s, uuid(), { string: secretString }, [CURRENT], now);
    changed();
    return { arn: s.arn };
  });
  bus.answer<{ owningService: string; secretArn: string; secretString: string }, void>('secretsmanager.managed.update', async ({ owningService, secretArn, secretString }) => {
    const { store, secret } = owned(owningService, secretArn);
    writeVersion(store, secret, uuid(), { string: secretString }, [CURRENT]);
    changed();
  });
  bus.answer<{ owningService: string; secretArn: string }, string>('secretsmanager.managed.read', async ({ owningService, secretArn }) => {
    return holder(owned(owningService, secretArn).secret, CURRENT)?.value?.string ?? '';
  });
  bus.answer<{ owningService: string; secretArn: string }, void>('secretsmanager.managed.delete', async ({ owningService, secretArn }) => {
    const store = storeOf(secretArn);
    const s = store.find(secretArn);
    if (s?.owningService !== owningService) return;
    store.remove(s);
    changed();
  });
}

/** A Region's operations, those that change a secret refusing one another service manages. */
export function guardManaged(store: SecretStore) {
  const ownerOf = (id: unknown): string | undefined => (typeof id === 'string' ? store.find(id)?.owningService : undefined);

  return function guard<Ops extends Record<string, (input: any, ...rest: any[]) => any>>(ops: Ops): Ops {
    const out: Record<string, (input: any, ...rest: any[]) => any> = { ...ops };
    for (const name of CHANGING) {
      const op = ops[name];
      if (!op) continue;
      out[name] = (input: any, ...rest: any[]) => {
        const owner = ownerOf(input?.SecretId);
        if (owner) throw invalidRequest(`You can't change this secret because it is managed by ${owner}. Use ${owner} to update it.`);
        return op(input, ...rest);
      };
    }
    return out as Ops;
  };
}
