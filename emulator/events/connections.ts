import { copyOf } from '../core/clone';
import { AwsError, constraintViolation } from '../core/errors';
import { uuid } from '../core/ids';
import { findByArn, nameInArn } from './arns';
import { keyIn, type Scope } from '../core/scope';
import { validateConnectionHttpParameters } from './http-parameters';

/**
 * EventBridge connections: how an API destination authorizes (BASIC, API_KEY, OAUTH_CLIENT_CREDENTIALS) plus the
 * extra header / query / body parameters sent with every invocation. Secrets (password, API key value, client
 * secret, parameters marked IsValueSecret) are kept here for deliveries, never leave through Describe or List, and
 * are held for good in the connection's Secrets Manager secret (connection-secret.ts).
 */

export type AuthorizationType = 'BASIC' | 'API_KEY' | 'OAUTH_CLIENT_CREDENTIALS';
export type ConnectionState = 'CREATING' | 'UPDATING' | 'DELETING' | 'AUTHORIZED' | 'DEAUTHORIZED' | 'AUTHORIZING' | 'DEAUTHORIZING';

export interface HttpParameter {
  Key: string;
  Value?: string;
  IsValueSecret?: boolean;
}
export interface ConnectionHttpParameters {
  HeaderParameters?: HttpParameter[];
  QueryStringParameters?: HttpParameter[];
  BodyParameters?: HttpParameter[];
}
export interface AuthParameters {
  BasicAuthParameters?: { Username?: string; Password?: string };
  ApiKeyAuthParameters?: { ApiKeyName?: string; ApiKeyValue?: string };
  OAuthParameters?: {
    ClientParameters?: { ClientID?: string; ClientSecret?: string };
    AuthorizationEndpoint?: string;
    HttpMethod?: string;
    OAuthHttpParameters?: ConnectionHttpParameters;
  };
  InvocationHttpParameters?: ConnectionHttpParameters;
}

export interface Connection {
  Name: string;
  ConnectionArn: string;
  Description?: string;
  AuthorizationType: AuthorizationType;
  /** With secrets: only deliveries read them. */
  AuthParameters: AuthParameters;
  ConnectionState: ConnectionState;
  StateReason?: string;
  SecretArn: string;
  CreationTime: Date;
  LastModifiedTime: Date;
  LastAuthorizedTime?: Date;
}

const AUTH_TYPES: AuthorizationType[] = ['BASIC', 'OAUTH_CLIENT_CREDENTIALS', 'API_KEY'];
const NAME = /^[.\-_A-Za-z0-9]+$/;
const PARAMS_OF: Record<AuthorizationType, keyof AuthParameters> = {
  BASIC: 'BasicAuthParameters',
  API_KEY: 'ApiKeyAuthParameters',
  OAUTH_CLIENT_CREDENTIALS: 'OAuthParameters',
};

export function validateResourceName(name: unknown): asserts name is string {
  if (name === undefined || name === null) throw constraintViolation('ValidationException', 'name', undefined, 'Member must not be null');
  const text = String(name);
  if (text.length > 64) throw constraintViolation('ValidationException', 'name', text, 'Member must have length less than or equal to 64');
  if (!NAME.test(text)) throw constraintViolation('ValidationException', 'name', text, 'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+');
}

function validateAuthType(type: unknown): asserts type is AuthorizationType {
  if (type === undefined) throw constraintViolation('ValidationException', 'authorizationType', undefined, 'Member must not be null');
  if (!AUTH_TYPES.includes(type as AuthorizationType)) {
    throw constraintViolation('ValidationException', 'authorizationType', type, `Member must satisfy enum value set: [${AUTH_TYPES.join(', ')}]`);
  }
}

/** AWS: "You must include only authorization parameters for the AuthorizationType you specify." */
function validateAuthParameters(type: AuthorizationType, params: AuthParameters | undefined): void {
  if (!params) throw constraintViolation('ValidationException', 'authParameters', undefined, 'Member must not be null');
  const wanted = PARAMS_OF[type];
  for (const other of Object.values(PARAMS_OF)) {
    if (other !== wanted && params[other] !== undefined) {
      throw new AwsError('ValidationException', `Invalid parameter: ${other} cannot be used with authorization type ${type}.`, 400);
    }
  }
  const own = params[wanted] as Record<string, any> | undefined;
  if (!own) throw new AwsError('ValidationException', `Invalid parameter: ${wanted} is required for authorization type ${type}.`, 400);
  const required: Record<AuthorizationType, [string, unknown][]> = {
    BASIC: [['Username', own.Username], ['Password', own.Password]],
    API_KEY: [['ApiKeyName', own.ApiKeyName], ['ApiKeyValue', own.ApiKeyValue]],
    OAUTH_CLIENT_CREDENTIALS: [['AuthorizationEndpoint', own.AuthorizationEndpoint], ['HttpMethod', own.HttpMethod], ['ClientParameters.ClientID', own.ClientParameters?.ClientID], ['ClientParameters.ClientSecret', own.ClientParameters?.ClientSecret]],
  };
  for (const [field, value] of required[type]) {
    if (value === undefined || value === '') throw new AwsError('ValidationException', `Invalid parameter: ${wanted}.${field} is required for authorization type ${type}.`, 400);
  }
  if (type === 'OAUTH_CLIENT_CREDENTIALS' && !['GET', 'POST', 'PUT'].includes(own.HttpMethod)) {
    throw constraintViolation('ValidationException', 'authParameters.oAuthParameters.httpMethod', own.HttpMethod, 'Member must satisfy enum value set: [GET, POST, PUT]');
  }
  validateConnectionHttpParameters(params.InvocationHttpParameters, 'authParameters.invocationHttpParameters');
  validateConnectionHttpParameters(params.OAuthParameters?.OAuthHttpParameters, 'authParameters.oAuthParameters.oAuthHttpParameters');
}

export function newConnection(input: any, region: string, account: string, now: Date): Connection {
  validateResourceName(input.Name);
  validateAuthType(input.AuthorizationType);
  validateAuthParameters(input.AuthorizationType, input.AuthParameters);
  const id = uuid();
  return {
    Name: input.Name,
    ConnectionArn: `arn:aws:events:${region}:${account}:connection/${input.Name}/${id}`,
    Description: input.Description,
    AuthorizationType: input.AuthorizationType,
    AuthParameters: copyOf(input.AuthParameters),
    // OAuth waits for the token endpoint's answer; the others are usable at once.
    ConnectionState: input.AuthorizationType === 'OAUTH_CLIENT_CREDENTIALS' ? 'AUTHORIZING' : 'AUTHORIZED',
    // Set once Secrets Manager has created the secret that holds the credentials (connection-secret.ts).
    SecretArn: '',
    CreationTime: now,
    LastModifiedTime: now,
    LastAuthorizedTime: input.AuthorizationType === 'OAUTH_CLIENT_CREDENTIALS' ? undefined : now,
  };
}

/** UpdateConnection: given fields replace the old ones, the rest (secrets included) stay. */
export function updateConnection(c: Connection, input: any, now: Date): void {
  if (input.AuthorizationType !== undefined) validateAuthType(input.AuthorizationType);
  const type: AuthorizationType = input.AuthorizationType ?? c.AuthorizationType;
  const merged: AuthParameters = type === c.AuthorizationType ? copyOf(c.AuthParameters) : { InvocationHttpParameters: c.AuthParameters.InvocationHttpParameters };
  const given = (input.AuthParameters ?? {}) as AuthParameters;
  for (const key of Object.keys(given) as (keyof AuthParameters)[]) {
    const value = given[key] as any;
    if (key === 'InvocationHttpParameters') merged.InvocationHttpParameters = value;
    else if (key === 'OAuthParameters') {
      const old = merged.OAuthParameters ?? {};
      merged.OAuthParameters = { ...old, ...value, ClientParameters: { ...old.ClientParameters, ...value.ClientParameters } };
    } else (merged as any)[key] = { ...(merged as any)[key], ...value };
  }
  validateAuthParameters(type, merged);
  c.AuthorizationType = type;
  c.AuthParameters = merged;
  if (input.Description !== undefined) c.Description = input.Description;
  c.ConnectionState = type === 'OAUTH_CLIENT_CREDENTIALS' ? 'AUTHORIZING' : 'AUTHORIZED';
  c.StateReason = undefined;
  c.LastModifiedTime = now;
  if (type !== 'OAUTH_CLIENT_CREDENTIALS') c.LastAuthorizedTime = now;
}

/** Parameters as Describe shows them: a secret value is left out, its key and IsValueSecret stay. */
function publicHttpParameters(p: ConnectionHttpParameters | undefined): ConnectionHttpParameters | undefined {
  if (!p) return undefined;
  const strip = (list?: HttpParameter[]) => list?.map((x) => (x.IsValueSecret ? { Key: x.Key, IsValueSecret: true } : { ...x }));
  return { HeaderParameters: strip(p.HeaderParameters), QueryStringParameters: strip(p.QueryStringParameters), BodyParameters: strip(p.BodyParameters) };
}

/** AuthParameters without the password, API key value or client secret. */
export function publicAuthParameters(c: Connection): Record<string, unknown> {
  const p = c.AuthParameters;
  const out: Record<string, unknown> = {};
  if (p.BasicAuthParameters) out.BasicAuthParameters = { Username: p.BasicAuthParameters.Username };
  if (p.ApiKeyAuthParameters) out.ApiKeyAuthParameters = { ApiKeyName: p.ApiKeyAuthParameters.ApiKeyName };
  if (p.OAuthParameters) {
    out.OAuthParameters = {
      ClientParameters: { ClientID: p.OAuthParameters.ClientParameters?.ClientID },
      AuthorizationEndpoint: p.OAuthParameters.AuthorizationEndpoint,
      HttpMethod: p.OAuthParameters.HttpMethod,
      OAuthHttpParameters: publicHttpParameters(p.OAuthParameters.OAuthHttpParameters),
    };
  }
  if (p.InvocationHttpParameters) out.InvocationHttpParameters = publicHttpParameters(p.InvocationHttpParameters);
  return out;
}

/** Whether the connection holds a value publicAuthParameters leaves out (as saved before connections had secrets). */
export function hasSecretValue(c: Connection): boolean {
  const p = c.AuthParameters ?? {};
  const secretIn = (h?: ConnectionHttpParameters) =>
    [h?.HeaderParameters, h?.QueryStringParameters, h?.BodyParameters].some((list) => list?.some((x) => x.IsValueSecret && x.Value !== undefined));
  return (
    p.BasicAuthParameters?.Password !== undefined ||
    p.ApiKeyAuthParameters?.ApiKeyValue !== undefined ||
    p.OAuthParameters?.ClientParameters?.ClientSecret !== undefined ||
    secretIn(p.InvocationHttpParameters) ||
    secretIn(p.OAuthParameters?.OAuthHttpParameters)
  );
}

export function describeConnection(c: Connection) {
  return {
    ConnectionArn: c.ConnectionArn,
    Name: c.Name,
    Description: c.Description,
    ConnectionState: c.ConnectionState,
    StateReason: c.StateReason,
    AuthorizationType: c.AuthorizationType,
    SecretArn: c.SecretArn,
    AuthParameters: publicAuthParameters(c),
    CreationTime: c.CreationTime,
    LastModifiedTime: c.LastModifiedTime,
    LastAuthorizedTime: c.LastAuthorizedTime,
  };
}

export function listedConnection(c: Connection) {
  return {
    ConnectionArn: c.ConnectionArn,
    Name: c.Name,
    ConnectionState: c.ConnectionState,
    StateReason: c.StateReason,
    AuthorizationType: c.AuthorizationType,
    CreationTime: c.CreationTime,
    LastModifiedTime: c.LastModifiedTime,
    LastAuthorizedTime: c.LastAuthorizedTime,
  };
}

/** The shape Create/Update/Delete/Deauthorize answer with. */
export const connectionSummary = (c: Connection) => ({
  ConnectionArn: c.ConnectionArn,
  ConnectionState: c.ConnectionState,
  CreationTime: c.CreationTime,
  LastModifiedTime: c.LastModifiedTime,
  LastAuthorizedTime: c.LastAuthorizedTime,
});

export function requireConnection(connections: Map<string, Connection>, scope: Scope, name: string | undefined): Connection {
  const c = name ? connections.get(keyIn(scope, name)) : undefined;
  if (!c) throw new AwsError('ResourceNotFoundException', `Failed to describe the connection(s). Connection '${name}' does not exist.`, 400);
  return c;
}

/** A connection named by its ARN (`…:connection/<name>/<id>`), the ARN matching exactly. */
export function connectionByArn(connections: Map<string, Connection>, arn: string | undefined): Connection {
  const c = findConnection(connections, arn);
  if (!c) throw new AwsError('ResourceNotFoundException', `Failed to describe the connection(s). Connection '${nameInArn(arn, 'connection')}' does not exist.`, 400);
  return c;
}

export const findConnection = (connections: Map<string, Connection>, arn: string | undefined): Connection | undefined =>
  findByArn(connections, arn, 'connection', (c) => c.ConnectionArn);
