import { setAbortableTimer } from '../core/clock';
import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import type { ServiceDeps } from '../core/service';
import { offsetPage } from '../core/paging';
import { restoreMaps } from '../core/persist-whole';
import { keyIn, rekeyByScope, scopeOfArn, valuesIn, type Scope } from '../core/scope';
import { TargetFailure, type Target } from './targets';
import {
  connectionByArn,
  connectionSummary,
  describeConnection,
  findConnection,
  hasSecretValue,
  listedConnection,
  newConnection,
  publicAuthParameters,
  requireConnection,
  updateConnection,
  type Connection,
} from './connections';
import { connectionSecrets } from './connection-secret';
import { findByArn } from './arns';
import {
  apiDestinationState,
  apiDestinationView,
  newApiDestination,
  RateLimiter,
  requireApiDestination,
  updateApiDestination,
  type ApiDestination,
} from './api-destinations';
import { ConnectionAuth } from './connection-auth';
import { buildSendableRequest, invokeOnce } from './http-invoke';

/**
 * Connections and API destinations: their operations, their state (persisted with the buses; a connection's
 * credentials are persisted only in its Secrets Manager secret), and the call that delivers an event to an API
 * destination target. `currentSignal()` is the provider's signal of the moment: it
 * aborts at reset() and close(), ending token requests, rate-limit waits and calls in flight.
 */
export function createWebhooks(deps: ServiceDeps, currentSignal: () => AbortSignal) {
  const { clock, bus, options } = deps;
  const home: Scope = { region: options.region, accountId: options.accountId };
  /** Both kept per account and Region (core/scope.ts). */
  const connections = new Map<string, Connection>();
  const apiDestinations = new Map<string, ApiDestination>();
  const connectionAuth = new ConnectionAuth(currentSignal, () => clock.now());
  const secrets = connectionSecrets(bus);
  const rateLimiter = new RateLimiter();
  /** Bumped by each (re)authorization, so a slow token answer for an older setting is ignored. */
  const authRounds = new Map<string, number>();
  const notNull = (member: string) => constraintViolation('ValidationException', member, undefined, 'Member must not be null');

  /**
   * ListConnections / ListApiDestinations: one page of the items sorted by name. Limit 1–100 (0 would answer an empty
   * page whose token names the same page, forever).
   */
  function listPage<T extends { Name: string }>(items: T[], input: { Limit?: unknown; NextToken?: string }, kind: string) {
    const limit = input.Limit ?? 100;
    if (!Number.isInteger(limit) || (limit as number) < 1) throw constraintViolation('ValidationException', 'limit', limit, 'Member must have value greater than or equal to 1');
    if ((limit as number) > 100) throw constraintViolation('ValidationException', 'limit', limit, 'Member must have value less than or equal to 100');
    const sorted = items.sort((a, b) => a.Name.localeCompare(b.Name));
    return offsetPage(sorted, input.NextToken, limit as number, kind, () => new AwsError('ValidationException', 'The NextToken provided is invalid.', 400));
  }

  const connectionOf = (d: ApiDestination): Connection | undefined => findConnection(connections, d.ConnectionArn);

  /** One attempt at an API destination target: waits for a slot under its rate limit, then calls it. */
  async function invokeApiDestination(target: Target, input: string, event: Record<string, unknown>): Promise<void> {
    const d = findByArn(apiDestinations, target.Arn, 'api-destination', (x) => x.ApiDestinationArn);
    if (!d) throw new TargetFailure('ResourceNotFoundException', `ApiDestination ${target.Arn} does not exist.`, false);
    // Waiting for the slot is not activity: virtual time must be free to move up to it.
    const wait = rateLimiter.reserve(d.ApiDestinationArn, d.InvocationRateLimitPerSecond, clock.now());
    const signal = currentSignal();
    if (wait > 0) await waitOnClock(wait, signal);
    const c = connectionOf(d);
    if (!c) throw new TargetFailure('ResourceNotFoundException', `Connection ${d.ConnectionArn} does not exist.`, false);
    if (c.ConnectionState !== 'AUTHORIZED') {
      // An OAuth connection still waiting for its token may be ready at the next attempt; a deauthorized one will not.
      throw new TargetFailure('SDK_CLIENT_ERROR', `Unable to invoke ApiDestination endpoint: connection ${c.Name} is ${c.ConnectionState}.`, c.ConnectionState === 'AUTHORIZING');
    }
    await bus.track(
      (async () => {
        let auth: Record<string, string>;
        try {
          auth = await connectionAuth.headers(c);
        } catch (err) {
          throw new TargetFailure('SDK_CLIENT_ERROR', `Unable to invoke ApiDestination endpoint: ${(err as Error).message}`, true);
        }
        try {
          await invokeOnce(buildSendableRequest(d, c, target, input, event, auth), clock.now(), signal);
        } catch (err) {
          // AWS refreshes an OAuth token on 401 or 407; the next attempt fetches a new one.
          if (c.AuthorizationType === 'OAUTH_CLIENT_CREDENTIALS' && err instanceof TargetFailure && (err.endpointStatus === 401 || err.endpointStatus === 407)) {
            connectionAuth.forget(c);
            throw new TargetFailure(err.code, err.message, true, undefined, err.endpointStatus);
          }
          throw err;
        }
      })(),
    );
  }

  /** Resolves after `ms` of emulator time; rejects (its timer cancelled) when `signal` aborts first. */
  function waitOnClock(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => setAbortableTimer(clock, ms, resolve, signal, () => reject(new Error('delivery cancelled'))));
  }

  /** OAuth connections: AUTHORIZING until the token endpoint answers, then AUTHORIZED, or DEAUTHORIZED with its reason. */
  function startAuthorization(c: Connection): void {
    if (c.AuthorizationType !== 'OAUTH_CLIENT_CREDENTIALS') return;
    const round = (authRounds.get(c.ConnectionArn) ?? 0) + 1;
    authRounds.set(c.ConnectionArn, round);
    const current = () => authRounds.get(c.ConnectionArn) === round && findConnection(connections, c.ConnectionArn) === c;
    setImmediate(() => {
      if (currentSignal().aborted) return;
      bus.track(connectionAuth.authorize(c)).then(
        () => {
          if (!current()) return;
          c.ConnectionState = 'AUTHORIZED';
          c.StateReason = undefined;
          c.LastAuthorizedTime = new Date(clock.now());
        },
        (err: Error) => {
          if (!current()) return;
          c.ConnectionState = 'DEAUTHORIZED';
          c.StateReason = `Failed to authorize: ${err.message}`.slice(0, 512);
        },
      );
    });
  }

  /** What --data-dir keeps: connections without their credentials (their secret holds them). */
  const persisted = {
    entries: (): [string, unknown][] => [
      ['connections', new Map([...connections].map(([name, c]) => [name, { ...c, AuthParameters: publicAuthParameters(c) }]))],
      ['apiDestinations', apiDestinations],
    ],
    /** Secrets Manager is restored first (registry order): each connection's credentials are read back from its secret. */
    async restore(entities: Map<string, unknown>): Promise<void> {
      restoreMaps({ apiDestinations }, entities);
      rekeyByScope(apiDestinations, (d) => d.ApiDestinationArn, (d) => d.Name);
      const saved = entities.get('connections');
      if (!(saved instanceof Map)) return;
      for (const c of (saved as Map<string, Connection>).values()) {
        try {
          c.AuthParameters = await secrets.read(c);
        } catch {
          // Saved before connections had secrets: the credentials were written with it; they move into a secret now.
          // Saved since, without its secret: the credentials are gone, and AWS deauthorizes a connection whose
          // secret it cannot retrieve (it gets a secret without them, as after DeauthorizeConnection).
          const inClear = hasSecretValue(c);
          c.SecretArn = await secrets.create(c);
          if (!inClear) {
            c.ConnectionState = 'DEAUTHORIZED';
            c.StateReason = 'Failed to retrieve the connection secret from Secrets Manager.';
          }
        }
        connections.set(keyIn(scopeOfArn(c.ConnectionArn) ?? home, c.Name), c);
      }
    },
  };

  return {
    persisted,
    invoke: invokeApiDestination,
    reset(): void {
      connections.clear();
      apiDestinations.clear();
      connectionAuth.clear();
      rateLimiter.clear();
      authRounds.clear();
    },
    operations: {
      async CreateConnection(input: any, ctx: RequestContext) {
        const taken = () => new AwsError('ResourceAlreadyExistsException', `Connection ${input.Name} already exists.`, 400);
        if (input.Name !== undefined && connections.has(keyIn(ctx, input.Name))) throw taken();
        const c = newConnection(input, ctx.region, ctx.accountId, new Date(clock.now()));
        c.SecretArn = await secrets.create(c);
        // Another CreateConnection of the same name may have finished while the secret was made.
        if (connections.has(keyIn(ctx, c.Name))) {
          await secrets.delete(c);
          throw taken();
        }
        connections.set(keyIn(ctx, c.Name), c);
        startAuthorization(c);
        return connectionSummary(c);
      },
      DescribeConnection(input: any, ctx: RequestContext) {
        return describeConnection(requireConnection(connections, ctx, input.Name));
      },
      async UpdateConnection(input: any, ctx: RequestContext) {
        const c = requireConnection(connections, ctx, input.Name);
        updateConnection(c, input, new Date(clock.now()));
        await secrets.update(c);
        connectionAuth.forget(c);
        startAuthorization(c);
        return connectionSummary(c);
      },
      async DeauthorizeConnection(input: any, ctx: RequestContext) {
        const c = requireConnection(connections, ctx, input.Name);
        // The credentials go; the connection stays, to be authorized again by UpdateConnection.
        const p = c.AuthParameters;
        if (p.BasicAuthParameters) p.BasicAuthParameters.Password = undefined;
        if (p.ApiKeyAuthParameters) p.ApiKeyAuthParameters.ApiKeyValue = undefined;
        if (p.OAuthParameters?.ClientParameters) p.OAuthParameters.ClientParameters.ClientSecret = undefined;
        await secrets.update(c);
        connectionAuth.forget(c);
        authRounds.set(c.ConnectionArn, (authRounds.get(c.ConnectionArn) ?? 0) + 1);
        c.ConnectionState = 'DEAUTHORIZING';
        c.LastModifiedTime = new Date(clock.now());
        const answer = connectionSummary(c);
        clock.setTimer(0, () => {
          if (c.ConnectionState === 'DEAUTHORIZING') c.ConnectionState = 'DEAUTHORIZED';
        });
        return answer;
      },
      async DeleteConnection(input: any, ctx: RequestContext) {
        const c = requireConnection(connections, ctx, input.Name);
        connections.delete(keyIn(ctx, c.Name));
        await secrets.delete(c);
        connectionAuth.forget(c);
        authRounds.delete(c.ConnectionArn);
        return { ...connectionSummary(c), ConnectionState: 'DELETING' };
      },
      ListConnections(input: any, ctx: RequestContext) {
        const matching = valuesIn(connections, ctx).filter((c) => (!input.NamePrefix || c.Name.startsWith(input.NamePrefix)) && (!input.ConnectionState || c.ConnectionState === input.ConnectionState));
        const page = listPage(matching, input, 'connections');
        return { Connections: page.items.map(listedConnection), NextToken: page.next };
      },
      CreateApiDestination(input: any, ctx: RequestContext) {
        if (input.Name !== undefined && apiDestinations.has(keyIn(ctx, input.Name))) throw new AwsError('ResourceAlreadyExistsException', `An api-destination '${input.Name}' already exists.`, 400);
        if (input.ConnectionArn === undefined) throw notNull('connectionArn');
        const c = connectionByArn(connections, input.ConnectionArn);
        const d = newApiDestination(input, c, ctx.region, ctx.accountId, new Date(clock.now()));
        apiDestinations.set(keyIn(ctx, d.Name), d);
        return { ApiDestinationArn: d.ApiDestinationArn, ApiDestinationState: apiDestinationState(c), CreationTime: d.CreationTime, LastModifiedTime: d.LastModifiedTime };
      },
      DescribeApiDestination(input: any, ctx: RequestContext) {
        const d = requireApiDestination(apiDestinations, ctx, input.Name);
        return apiDestinationView(d, connectionOf(d));
      },
      UpdateApiDestination(input: any, ctx: RequestContext) {
        const d = requireApiDestination(apiDestinations, ctx, input.Name);
        const c = input.ConnectionArn !== undefined ? connectionByArn(connections, input.ConnectionArn) : undefined;
        updateApiDestination(d, input, c, new Date(clock.now()));
        return { ApiDestinationArn: d.ApiDestinationArn, ApiDestinationState: apiDestinationState(connectionOf(d)), CreationTime: d.CreationTime, LastModifiedTime: d.LastModifiedTime };
      },
      DeleteApiDestination(input: any, ctx: RequestContext) {
        const d = requireApiDestination(apiDestinations, ctx, input.Name);
        apiDestinations.delete(keyIn(ctx, d.Name));
        return {};
      },
      ListApiDestinations(input: any, ctx: RequestContext) {
        const matching = valuesIn(apiDestinations, ctx).filter((d) => (!input.NamePrefix || d.Name.startsWith(input.NamePrefix)) && (!input.ConnectionArn || d.ConnectionArn === input.ConnectionArn));
        const page = listPage(matching, input, 'api-destinations');
        return {
          ApiDestinations: page.items.map((d) => {
            const { Description: _d, ...listed } = apiDestinationView(d, connectionOf(d));
            return listed;
          }),
          NextToken: page.next,
        };
      },
    },
  };
}
