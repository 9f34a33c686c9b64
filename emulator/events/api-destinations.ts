import { AwsError, constraintViolation } from '../core/errors';
import { uuid } from '../core/ids';
import { validateResourceName, type Connection } from './connections';
import { keyIn, type Scope } from '../core/scope';

/** An HTTP endpoint a rule can target, with the connection that authorizes calls to it. */
export interface ApiDestination {
  Name: string;
  ApiDestinationArn: string;
  Description?: string;
  ConnectionArn: string;
  /** May hold `*` wildcards, filled from the target's HttpParameters.PathParameterValues in order. */
  InvocationEndpoint: string;
  HttpMethod: string;
  InvocationRateLimitPerSecond: number;
  CreationTime: Date;
  LastModifiedTime: Date;
}

const METHODS = ['POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'];
/** The API reference's pattern for InvocationEndpoint. */
const ENDPOINT = /^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@&=+$,A-Za-z0-9])+)([).!';/?:,])?$/;
/** AWS's default when InvocationRateLimitPerSecond is not given. */
const DEFAULT_RATE_LIMIT = 300;

/** `http://` alone passes the pattern but names no server: every delivery would fail. `*` is filled in later. */
function hasHost(endpoint: string): boolean {
  try {
    return new URL(endpoint.replace(/\*/g, 'x')).hostname !== '';
  } catch {
    return false;
  }
}

function validateFields(input: any, creating: boolean): void {
  if (creating || input.HttpMethod !== undefined) {
    if (input.HttpMethod === undefined) throw constraintViolation('ValidationException', 'httpMethod', undefined, 'Member must not be null');
    if (!METHODS.includes(input.HttpMethod)) throw constraintViolation('ValidationException', 'httpMethod', input.HttpMethod, `Member must satisfy enum value set: [${METHODS.join(', ')}]`);
  }
  if (creating || input.InvocationEndpoint !== undefined) {
    const e = input.InvocationEndpoint;
    if (e === undefined) throw constraintViolation('ValidationException', 'invocationEndpoint', undefined, 'Member must not be null');
    if (String(e).length > 2048) throw constraintViolation('ValidationException', 'invocationEndpoint', e, 'Member must have length less than or equal to 2048');
    if (!ENDPOINT.test(e)) {
      throw constraintViolation('ValidationException', 'invocationEndpoint', e, "Member must satisfy regular expression pattern: ^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$");
    }
    // The emulator also calls http:// endpoints (local webhooks); AWS calls HTTPS ones.
    if (!/^https?:\/\//i.test(e) || !hasHost(e)) throw new AwsError('ValidationException', `Invalid parameter: InvocationEndpoint ${e} is not an http(s) URL.`, 400);
  }
  const rate = input.InvocationRateLimitPerSecond;
  if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1)) {
    throw constraintViolation('ValidationException', 'invocationRateLimitPerSecond', rate, 'Member must have value greater than or equal to 1');
  }
}

export function newApiDestination(input: any, connection: Connection, region: string, account: string, now: Date): ApiDestination {
  validateResourceName(input.Name);
  validateFields(input, true);
  return {
    Name: input.Name,
    ApiDestinationArn: `arn:aws:events:${region}:${account}:api-destination/${input.Name}/${uuid()}`,
    Description: input.Description,
    ConnectionArn: connection.ConnectionArn,
    InvocationEndpoint: input.InvocationEndpoint,
    HttpMethod: input.HttpMethod,
    InvocationRateLimitPerSecond: input.InvocationRateLimitPerSecond ?? DEFAULT_RATE_LIMIT,
    CreationTime: now,
    LastModifiedTime: now,
  };
}

export function updateApiDestination(d: ApiDestination, input: any, connection: Connection | undefined, now: Date): void {
  validateFields(input, false);
  if (connection) d.ConnectionArn = connection.ConnectionArn;
  if (input.Description !== undefined) d.Description = input.Description;
  if (input.InvocationEndpoint !== undefined) d.InvocationEndpoint = input.InvocationEndpoint;
  if (input.HttpMethod !== undefined) d.HttpMethod = input.HttpMethod;
  if (input.InvocationRateLimitPerSecond !== undefined) d.InvocationRateLimitPerSecond = input.InvocationRateLimitPerSecond;
  d.LastModifiedTime = now;
}

/** ACTIVE while its connection is authorized: a destination whose connection is not cannot be called. */
export const apiDestinationState = (connection: Connection | undefined): 'ACTIVE' | 'INACTIVE' =>
  connection?.ConnectionState === 'AUTHORIZED' ? 'ACTIVE' : 'INACTIVE';

export function apiDestinationView(d: ApiDestination, connection: Connection | undefined) {
  return {
    ApiDestinationArn: d.ApiDestinationArn,
    Name: d.Name,
    Description: d.Description,
    ApiDestinationState: apiDestinationState(connection),
    ConnectionArn: d.ConnectionArn,
    InvocationEndpoint: d.InvocationEndpoint,
    HttpMethod: d.HttpMethod,
    InvocationRateLimitPerSecond: d.InvocationRateLimitPerSecond,
    CreationTime: d.CreationTime,
    LastModifiedTime: d.LastModifiedTime,
  };
}

export function requireApiDestination(destinations: Map<string, ApiDestination>, scope: Scope, name: string | undefined): ApiDestination {
  const d = name ? destinations.get(keyIn(scope, name)) : undefined;
  if (!d) throw new AwsError('ResourceNotFoundException', `Failed to describe the api-destination(s). An api-destination '${name}' does not exist.`, 400);
  return d;
}

export const isApiDestinationArn = (arn: string): boolean => /^arn:aws[a-z-]*:events:[^:]*:[^:]*:api-destination\//.test(arn);

/**
 * InvocationRateLimitPerSecond on the emulator clock: each call takes the next free slot, 1/rate seconds after
 * the previous one; a call whose slot is later waits for it.
 */
export class RateLimiter {
  private readonly nextFree = new Map<string, number>();
  /** Milliseconds the caller must wait before its call (0: go now). */
  reserve(key: string, perSecond: number, now: number): number {
    const slot = Math.max(now, this.nextFree.get(key) ?? 0);
    this.nextFree.set(key, slot + 1000 / perSecond);
    return slot - now;
  }
  clear(): void {
    this.nextFree.clear();
  }
}
