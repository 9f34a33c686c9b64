import type { Tag } from '../core/tags';
import { arn, randomHex } from '../core/ids';
import type { ServiceDeps } from '../core/service';
import { invalidParameter, lengthIn, markedForDeletion, secretNotFound } from './errors';

/** One version of a secret. `value` is absent on the empty version RotateSecret creates for the function to fill. */
export interface SecretVersion {
  id: string;
  value?: SecretValue;
  /** Staging labels (AWSCURRENT, AWSPREVIOUS, AWSPENDING, or the caller's own); none = deprecated. */
  stages: string[];
  created: number;
  lastAccessed?: number;
}

export interface SecretValue {
  string?: string;
  binary?: Buffer;
}

export interface RotationRules {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

export interface Secret {
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  created: number;
  lastChanged: number;
  lastAccessed?: number;
  /** When DeleteSecret ran; the secret is gone for good at `deletionDate`. */
  deleted?: number;
  deletionDate?: number;
  /** In creation order (Map insertion order). */
  versions: Map<string, SecretVersion>;
  policy?: string;
  rotation?: Rotation;
  /** The service that manages the secret (`events` for EventBridge connections: managed.ts); absent for the account's own. */
  owningService?: string;
  /** On a replica: the Region of its primary (replication.ts). A replica changes only through its primary. */
  primaryRegion?: string;
  /** On a primary: the Regions it replicates to, in the order they were added. */
  replicas?: Replica[];
}

export interface Replica {
  region: string;
  kmsKeyId?: string;
  /** InSync once the replica exists (replication is done before the request answers); Failed when it could not be made. */
  status: 'InSync' | 'Failed';
  statusMessage: string;
}

export interface Rotation {
  enabled: boolean;
  lambdaArn?: string;
  rules?: RotationRules;
  /** When rotation was turned on (the schedule counts from here until the first rotation). */
  configured: number;
  /** When the last rotation completed (AWSCURRENT moved onto the pending version): LastRotatedDate. */
  lastRotated?: number;
  /** When the last rotation started, immediate or scheduled, whether or not it completed. */
  lastStarted?: number;
}

const NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function checkName(name: string): void {
  lengthIn(name, 'name', 1, 512);
  if (!NAME.test(name)) {
    throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
  }
}

/** The secrets of the account in one Region, keyed by name (names stay taken while a secret waits out its recovery window). */
export class SecretStore {
  readonly secrets = new Map<string, Secret>();
  /** Told about every change to a secret and every removal (the rotation schedule follows them). */
  private readonly watchers: ((s: Secret) => void)[] = [];
  /** The same account's store in another Region (set by the provider: replication reaches replicas through it). */
  inRegion: (region: string) => SecretStore = (region) => {
    if (region === this.region) return this;
    throw new Error(`no store for ${region}`);
  };

  constructor(
    readonly deps: ServiceDeps,
    readonly region: string = deps.options.region,
  ) {}

  now(): number {
    return this.deps.clock.now();
  }

  /** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>` (seedable: ids.ts). */
  newArn(name: string): string {
    const bytes = Buffer.from(randomHex(6), 'hex');
    const suffix = [...bytes].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
    return arn('secretsmanager', this.region, this.deps.options.accountId, `secret:${name}-${suffix}`);
  }

  /** Secrets whose recovery window has ended are deleted for good (checked on every request, so it survives restarts). */
  purgeExpired(): void {
    const now = this.now();
    for (const s of this.secrets.values()) if (s.deletionDate !== undefined && s.deletionDate <= now) this.remove(s);
  }

  /** Deletes a secret for good. */
  remove(s: Secret): void {
    if (this.secrets.get(s.name) === s) this.secrets.delete(s.name);
    for (const w of this.watchers) w(s);
  }

  watch(watcher: (s: Secret) => void): void {
    this.watchers.push(watcher);
  }

  /** By name, full ARN, or partial ARN (the ARN without the `-xxxxxx` suffix). */
  find(id: string): Secret | undefined {
    this.purgeExpired();
    const byName = this.secrets.get(id);
    if (byName) return byName;
    if (!id.startsWith('arn:')) return undefined;
    for (const s of this.secrets.values()) if (s.arn === id || s.arn.slice(0, -7) === id) return s;
    return undefined;
  }

  /** The secret, refusing one scheduled for deletion unless the operation works on those (Describe, Restore…). */
  get(id: string, opts: { allowDeleted?: boolean } = {}): Secret {
    const s = this.find(id);
    if (!s) throw secretNotFound();
    if (s.deleted !== undefined && !opts.allowDeleted) throw markedForDeletion();
    return s;
  }

  /** Marks a change (LastChangedDate). */
  changed(s: Secret): void {
    s.lastChanged = this.now();
    for (const w of this.watchers) w(s);
  }
}
