import type { RequestContext } from '../core/context';
import { AwsError, constraintViolation } from '../core/errors';
import type { EntityChange, Persistable, ServiceDeps } from '../core/service';
import { jwtClaims, randomSecret, randomSessionToken, roleIdFor, temporaryAccessKeyId, type Session } from './credentials';
import { invalidAssertion, nameQualifier, samlClaims, subjectType } from './saml';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const FEDERATED_NAME = /^[\w+=,.@-]{2,32}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;
const SAML_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):saml-provider\/([\w._-]+)$/;

const expiredToken = () => new AwsError('ExpiredToken', 'The security token included in the request is expired', 400);
const validationError = (field: string, value: unknown, constraint: string) => constraintViolation('ValidationError', field, value, constraint);

function required<T>(field: string, value: T | undefined): T {
  if (value === undefined) throw validationError(field, undefined, 'Member must not be null');
  return value;
}

/** DurationSeconds within [min, max] seconds, or the default. */
function duration(value: number | undefined, min: number, max: number, fallback: number): number {
  const seconds = value ?? fallback;
  const problem = !Number.isInteger(seconds)
    ? 'Member must be an integer'
    : seconds < min
      ? `Member must have value greater than or equal to ${min}`
      : seconds > max
        ? `Member must have value less than or equal to ${max}`
        : undefined;
  if (problem) throw validationError('durationSeconds', value, problem);
  return seconds;
}

function sessionName(field: string, value: string | undefined, pattern = SESSION_NAME, lengths = 'between 2 and 64'): string {
  const name = required(field, value);
  if (!pattern.test(name)) throw validationError(field, name, `Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length ${lengths}`);
  return name;
}

/**
 * STS: the caller's identity and temporary credentials. Every credential it hands out is remembered, so
 * GetCallerIdentity answers with the assumed role (or federated user) a caller signs as, as AWS does, and
 * expired credentials are refused there with ExpiredToken. Roles are not looked up in IAM and trust policies
 * are not evaluated: any role can be assumed. With dataDir, the credentials handed out are kept across restarts
 * (one entity per key, written when issued), so they keep signing until they expire.
 */
export function createStsProvider(deps: ServiceDeps) {
  const sessions = new Map<string, Session>();
  const persistence = deps.options.dataDir ? sessionsPersistence(sessions) : undefined;

  function issue(seconds: number, identity: Session['identity']) {
    const session: Session = {
      accessKeyId: temporaryAccessKeyId(),
      secretAccessKey: randomSecret(),
      sessionToken: randomSessionToken(),
      expiresAt: deps.clock.now() + seconds * 1000,
      identity,
    };
    sessions.set(session.accessKeyId, session);
    persistence?.issued(session);
    return {
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: new Date(session.expiresAt),
    };
  }

  function assumedRole(roleArnInput: string | undefined, name: string, seconds: number) {
    const roleArn = required('roleArn', roleArnInput);
    const match = ROLE_ARN.exec(roleArn);
    if (!match) throw validationError('roleArn', roleArn, 'Member must be a role ARN (arn:aws:iam::<account>:role/<name>)');
    const [, account, roleName] = match;
    const user = { AssumedRoleId: `${roleIdFor(roleArn)}:${name}`, Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${name}` };
    return { Credentials: issue(seconds, { UserId: user.AssumedRoleId, Account: account!, Arn: user.Arn }), AssumedRoleUser: user };
  }

  /**
   * The identity behind a caller's key: a session this STS issued, an IAM user's access key (IAM answers on the
   * bus), or the account's root for any other key.
   */
  async function callerIdentity(ctx: RequestContext): Promise<Session['identity']> {
    const session = sessions.get(ctx.accessKeyId);
    if (session) {
      if (deps.clock.now() >= session.expiresAt) throw expiredToken();
      return session.identity;
    }
    const user = await iamUserFor(ctx.accessKeyId);
    return user ?? { UserId: 'AKIAIOSFODNN7EXAMPLE', Account: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root` };
  }

  /** The IAM user owning a long-term key, when IAM is mounted and knows the key. */
  async function iamUserFor(accessKeyId: string): Promise<Session['identity'] | undefined> {
    try {
      return await deps.bus.ask<{ accessKeyId: string }, Session['identity'] | undefined>('iam.accessKeyIdentity', { accessKeyId });
    } catch {
      return undefined;
    }
  }

  /** GetSessionToken and GetFederationToken are for long-term keys (an IAM user or the root): AWS refuses session credentials. */
  function requireLongTermKey(ctx: RequestContext, operation: string): void {
    if (sessions.has(ctx.accessKeyId)) throw new AwsError('AccessDenied', `Cannot call ${operation} with session credentials`, 403);
  }

  return {
    persistence,
    reset() {
      sessions.clear();
    },
    async GetCallerIdentity(_input: unknown, ctx: RequestContext) {
      return callerIdentity(ctx);
    },
    /** Fifteen minutes to twelve hours (the role's MaxSessionDuration is not looked up), one hour by default. */
    AssumeRole(input: { RoleArn?: string; RoleSessionName?: string; DurationSeconds?: number }) {
      required('roleArn', input.RoleArn);
      const name = sessionName('roleSessionName', input.RoleSessionName);
      return assumedRole(input.RoleArn, name, duration(input.DurationSeconds, 900, 43_200, 3600));
    },
    /** OIDC federation (GitHub Actions, EKS): the token's claims are read, its signature is not checked. */
    AssumeRoleWithWebIdentity(input: { RoleArn?: string; RoleSessionName?: string; WebIdentityToken?: string; ProviderId?: string; DurationSeconds?: number }) {
      required('roleArn', input.RoleArn);
      const name = sessionName('roleSessionName', input.RoleSessionName);
      const token = required('webIdentityToken', input.WebIdentityToken);
      const claims = jwtClaims(token);
      if (!claims) throw new AwsError('InvalidIdentityToken', "Couldn't parse the web identity token", 400);
      const seconds = duration(input.DurationSeconds, 900, 43_200, 3600);
      const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
      return {
        ...assumedRole(input.RoleArn, name, seconds),
        SubjectFromWebIdentityToken: typeof claims.sub === 'string' ? claims.sub : undefined,
        Audience: typeof audience === 'string' ? audience : undefined,
        Provider: input.ProviderId ?? (typeof claims.iss === 'string' ? claims.iss.replace(/^https:\/\//, '') : undefined),
      };
    },
    /**
     * SAML federation (AD FS, Okta): the base64 assertion's Role attribute must pair RoleArn with PrincipalArn, and its
     * RoleSessionName attribute names the session. The assertion's signature is not verified, nor is the provider
     * looked up in IAM; an assertion past its NotOnOrAfter is refused.
     */
    AssumeRoleWithSAML(input: { RoleArn?: string; PrincipalArn?: string; SAMLAssertion?: string; DurationSeconds?: number }) {
      const roleArn = required('roleArn', input.RoleArn);
      const principalArn = required('principalArn', input.PrincipalArn);
      const claims = samlClaims(required('sAMLAssertion', input.SAMLAssertion));
      if (claims.notOnOrAfter !== undefined && deps.clock.now() >= claims.notOnOrAfter) {
        throw new AwsError('ExpiredTokenException', 'Token must not be expired', 400);
      }
      if (!claims.rolePairs.some((p) => p.role === roleArn && p.provider === principalArn)) {
        throw new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithSAML', 403);
      }
      const provider = SAML_PROVIDER_ARN.exec(principalArn);
      if (!provider) throw validationError('principalArn', principalArn, 'Member must be a SAML provider ARN (arn:aws:iam::<account>:saml-provider/<name>)');
      if (claims.sessionName === undefined || !SESSION_NAME.test(claims.sessionName)) {
        throw invalidAssertion('the RoleSessionName attribute is missing or not 2 to 64 characters of [\\w+=,.@-]');
      }
      const seconds = duration(input.DurationSeconds ?? claims.sessionDuration, 900, 43_200, 3600);
      return {
        ...assumedRole(roleArn, claims.sessionName, seconds),
        Subject: claims.subject,
        SubjectType: subjectType(claims.subjectFormat),
        Issuer: claims.issuer,
        Audience: claims.audience,
        NameQualifier: claims.issuer === undefined ? undefined : nameQualifier(claims.issuer, provider[1]!, provider[2]!),
      };
    },
    /**
     * Nothing in the emulator encodes authorization failures, so the only messages it can decode are base64 JSON
     * documents (as a test may build one); anything else is refused as AWS refuses a message it did not issue.
     */
    DecodeAuthorizationMessage(input: { EncodedMessage?: string }) {
      const encoded = required('encodedMessage', input.EncodedMessage);
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      try {
        JSON.parse(decoded);
      } catch {
        throw new AwsError('InvalidAuthorizationMessageException', 'The encoded authorization message is not valid.', 400);
      }
      return { DecodedMessage: decoded };
    },
    /** Credentials for the caller itself (a long-term key): GetCallerIdentity with them names the same identity. */
    async GetSessionToken(input: { DurationSeconds?: number }, ctx: RequestContext) {
      requireLongTermKey(ctx, 'GetSessionToken');
      const seconds = duration(input.DurationSeconds, 900, 129_600, 43_200);
      return { Credentials: issue(seconds, await callerIdentity(ctx)) };
    },
    GetFederationToken(input: { Name?: string; DurationSeconds?: number }, ctx: RequestContext) {
      requireLongTermKey(ctx, 'GetFederationToken');
      const name = sessionName('name', input.Name, FEDERATED_NAME, 'between 2 and 32');
      const user = { FederatedUserId: `${ctx.accountId}:${name}`, Arn: `arn:aws:sts::${ctx.accountId}:federated-user/${name}` };
      const seconds = duration(input.DurationSeconds, 900, 129_600, 43_200);
      return { Credentials: issue(seconds, { UserId: user.FederatedUserId, Account: ctx.accountId, Arn: user.Arn }), FederatedUser: user };
    },
    async GetAccessKeyInfo(input: { AccessKeyId?: string }, ctx: RequestContext) {
      const key = required('accessKeyId', input.AccessKeyId);
      return { Account: sessions.get(key)?.identity.Account ?? (await iamUserFor(key))?.Account ?? ctx.accountId };
    },
    /** The secret of a key this STS issued, for SigV4 verification: only with its own session token, until it expires. */
    secretFor(accessKeyId: string, sessionToken: string | undefined): string | undefined {
      const session = sessions.get(accessKeyId);
      if (!session || session.sessionToken !== sessionToken) return undefined;
      // ExpiredToken, not "invalid": SDKs refresh their credentials on this code.
      if (deps.clock.now() >= session.expiresAt) throw expiredToken();
      return session.secretAccessKey;
    },
  };
}

/**
 * Issued credentials as entities `<accessKeyId>`. Expired ones are kept too (small), so a caller still signing
 * with them after a restart is told ExpiredToken, as before it.
 */
function sessionsPersistence(sessions: Map<string, Session>): Persistable & { issued(s: Session): void } {
  let pending: EntityChange[] = [];
  return {
    issued(s) {
      pending.push({ key: s.accessKeyId, value: s });
    },
    takeChanges() {
      const changes = pending;
      pending = [];
      return changes;
    },
    entities: () => sessions.entries(),
    restore(entities) {
      for (const [key, value] of entities) sessions.set(key, value as Session);
    },
  };
}
