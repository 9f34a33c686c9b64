import { INVOCATION_TIMEOUT_MS, sendHttp } from './http-invoke';
import type { Connection } from './connections';

/**
 * The credentials a connection adds to each call, and the OAuth client-credentials exchange. Tokens live in
 * memory only (like AWS, which keeps them out of every API answer); a restart fetches a new one.
 */

interface Token {
  value: string;
  /** Emulator-clock ms after which it is fetched again; undefined: until a 401/407. */
  expiresAt?: number;
}

export class ConnectionAuth {
  private readonly tokens = new Map<string, Token>();
  private readonly pending = new Map<string, Promise<string>>();
  /** Bumped by forget(): a token request begun before (with credentials since replaced) is neither reused nor kept. */
  private readonly generations = new Map<string, number>();

  /**
   * `signal()`: the emulator's current lifecycle, so a stop or reset ends a token request in flight. `now()`: the
   * emulator clock, on which a token's expires_in runs out (virtual or scaled time included).
   */
  constructor(
    private readonly signal: () => AbortSignal,
    private readonly now: () => number,
  ) {}

  /** Headers for one call; for OAuth, fetches a token first when none is held. */
  async headers(c: Connection): Promise<Record<string, string>> {
    const p = c.AuthParameters;
    switch (c.AuthorizationType) {
      case 'BASIC': {
        const { Username = '', Password = '' } = p.BasicAuthParameters ?? {};
        return { Authorization: `Basic ${Buffer.from(`${Username}:${Password}`).toString('base64')}` };
      }
      case 'API_KEY':
        return p.ApiKeyAuthParameters?.ApiKeyName ? { [p.ApiKeyAuthParameters.ApiKeyName]: p.ApiKeyAuthParameters.ApiKeyValue ?? '' } : {};
      case 'OAUTH_CLIENT_CREDENTIALS':
        return { Authorization: `Bearer ${await this.token(c)}` };
    }
  }

  /** AWS refreshes an OAuth token when the endpoint answers 401 or 407. */
  forget(c: Connection): void {
    this.tokens.delete(c.ConnectionArn);
    this.pending.delete(c.ConnectionArn);
    this.generations.set(c.ConnectionArn, this.generationOf(c) + 1);
  }

  clear(): void {
    this.tokens.clear();
    this.pending.clear();
    // Generations stay: a request begun before the reset must not store its token afterwards.
    for (const [arn, generation] of this.generations) this.generations.set(arn, generation + 1);
  }

  private generationOf(c: Connection): number {
    return this.generations.get(c.ConnectionArn) ?? 0;
  }

  /** Fetches a token now (CreateConnection / UpdateConnection authorize through this). */
  async authorize(c: Connection): Promise<void> {
    this.forget(c);
    await this.token(c);
  }

  private token(c: Connection): Promise<string> {
    const held = this.tokens.get(c.ConnectionArn);
    if (held && (held.expiresAt === undefined || held.expiresAt > this.now())) return Promise.resolve(held.value);
    const pending = this.pending.get(c.ConnectionArn);
    if (pending) return pending;
    const generation = this.generationOf(c);
    const running: Promise<string> = fetchToken(c, this.signal())
      .then(({ value, lifetimeMs }) => {
        const expiresAt = lifetimeMs === undefined ? undefined : this.now() + lifetimeMs;
        if (this.generationOf(c) === generation) this.tokens.set(c.ConnectionArn, { value, expiresAt });
        return value;
      })
      .finally(() => {
        if (this.pending.get(c.ConnectionArn) === running) this.pending.delete(c.ConnectionArn);
      });
    this.pending.set(c.ConnectionArn, running);
    return running;
  }
}

/**
 * The client-credentials grant: client id and secret as HTTP Basic (RFC 6749 §2.3.1), the connection's
 * OAuthHttpParameters as headers, query and form body, `grant_type=client_credentials` unless a body parameter
 * sets it. The answer must be JSON with `access_token` (and may give `expires_in` seconds).
 */
/** The endpoint's token and how long it may be used (expires_in, less a margin); undefined: no expires_in. */
async function fetchToken(c: Connection, signal: AbortSignal): Promise<{ value: string; lifetimeMs?: number }> {
  const o = c.AuthParameters.OAuthParameters ?? {};
  const extra = o.OAuthHttpParameters ?? {};
  const url = new URL(o.AuthorizationEndpoint ?? '');
  for (const q of extra.QueryStringParameters ?? []) url.searchParams.set(q.Key, q.Value ?? '');
  const id = o.ClientParameters?.ClientID ?? '';
  const secret = o.ClientParameters?.ClientSecret ?? '';
  const headers: Record<string, string> = { Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, Accept: 'application/json' };
  for (const h of extra.HeaderParameters ?? []) headers[h.Key] = h.Value ?? '';
  const method = o.HttpMethod ?? 'POST';
  let body: string | undefined;
  const form = new URLSearchParams();
  if (!(extra.BodyParameters ?? []).some((b) => b.Key === 'grant_type')) form.set('grant_type', 'client_credentials');
  for (const b of extra.BodyParameters ?? []) form.set(b.Key, b.Value ?? '');
  if (method === 'GET') for (const [k, v] of form) url.searchParams.set(k, v);
  else {
    body = form.toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const answer = await sendHttp({ method, url: url.toString(), headers, body }, INVOCATION_TIMEOUT_MS, signal);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`The authorization endpoint answered HTTP ${answer.status}.`);
  let doc: { access_token?: unknown; expires_in?: unknown };
  try {
    doc = JSON.parse(answer.body);
  } catch {
    throw new Error('The authorization endpoint did not answer with JSON.');
  }
  if (typeof doc.access_token !== 'string' || !doc.access_token) throw new Error('The authorization endpoint answered without an access_token.');
  const ttl = Number(doc.expires_in);
  // Fetched again a little before it runs out, as AWS refreshes a token about to expire.
  return { value: doc.access_token, lifetimeMs: ttl > 0 ? Math.max(0, ttl - 10) * 1000 : undefined };
}
