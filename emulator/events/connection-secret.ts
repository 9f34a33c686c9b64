import type { DeliveryBus } from '../core/delivery';
import { scopeOfArn } from '../core/scope';
import { uuid } from '../core/ids';
import type { AuthorizationType, AuthParameters, Connection, ConnectionHttpParameters, HttpParameter } from './connections';

/**
 * A connection's credentials live, as on AWS, in a Secrets Manager secret EventBridge manages
 * (`events!connection/<connection name>/<its own uuid>`, OwningService `events`). The secret holds the
 * authorization parameters as JSON with snake_case keys (username/password, api_key_name/api_key_value,
 * client_id/client_secret/authorization_endpoint/http_method/oauth_http_parameters, invocation_http_parameters).
 * EventBridge reaches it only through the delivery bus (emulator/secretsmanager/managed.ts answers).
 */
const OWNER = 'events';

type SecretParameter = { key: string; value?: string; is_value_secret: boolean };
type SecretHttpParameters = { header_parameters?: SecretParameter[]; query_string_parameters?: SecretParameter[]; body_parameters?: SecretParameter[] };

const toList = (list?: HttpParameter[]) => list?.map((p) => ({ key: p.Key, value: p.Value, is_value_secret: p.IsValueSecret === true }));
const fromList = (list?: SecretParameter[]) => list?.map((p) => ({ Key: p.key, Value: p.value, IsValueSecret: p.is_value_secret }));

function toHttp(p: ConnectionHttpParameters | undefined): SecretHttpParameters | undefined {
  return p && { header_parameters: toList(p.HeaderParameters), query_string_parameters: toList(p.QueryStringParameters), body_parameters: toList(p.BodyParameters) };
}
function fromHttp(p: SecretHttpParameters | undefined): ConnectionHttpParameters | undefined {
  return p && { HeaderParameters: fromList(p.header_parameters), QueryStringParameters: fromList(p.query_string_parameters), BodyParameters: fromList(p.body_parameters) };
}

/** The secret's text for a connection's authorization parameters. */
function secretText(type: AuthorizationType, p: AuthParameters): string {
  const doc: Record<string, unknown> = {};
  if (type === 'BASIC') Object.assign(doc, { username: p.BasicAuthParameters?.Username, password: p.BasicAuthParameters?.Password });
  if (type === 'API_KEY') Object.assign(doc, { api_key_name: p.ApiKeyAuthParameters?.ApiKeyName, api_key_value: p.ApiKeyAuthParameters?.ApiKeyValue });
  if (type === 'OAUTH_CLIENT_CREDENTIALS') {
    const o = p.OAuthParameters ?? {};
    Object.assign(doc, {
      client_id: o.ClientParameters?.ClientID,
      client_secret: o.ClientParameters?.ClientSecret,
      authorization_endpoint: o.AuthorizationEndpoint,
      http_method: o.HttpMethod,
      oauth_http_parameters: toHttp(o.OAuthHttpParameters),
    });
  }
  doc.invocation_http_parameters = toHttp(p.InvocationHttpParameters);
  return JSON.stringify(doc);
}

/** The authorization parameters a secret's text holds (the inverse of secretText). */
function authParametersOf(type: AuthorizationType, text: string): AuthParameters {
  const doc = JSON.parse(text) as Record<string, any>;
  const p: AuthParameters = {};
  if (type === 'BASIC') p.BasicAuthParameters = { Username: doc.username, Password: doc.password };
  if (type === 'API_KEY') p.ApiKeyAuthParameters = { ApiKeyName: doc.api_key_name, ApiKeyValue: doc.api_key_value };
  if (type === 'OAUTH_CLIENT_CREDENTIALS') {
    p.OAuthParameters = {
      ClientParameters: { ClientID: doc.client_id, ClientSecret: doc.client_secret },
      AuthorizationEndpoint: doc.authorization_endpoint,
      HttpMethod: doc.http_method,
      OAuthHttpParameters: fromHttp(doc.oauth_http_parameters),
    };
  }
  p.InvocationHttpParameters = fromHttp(doc.invocation_http_parameters);
  // Without the members the secret did not hold (undefined), as the connection had them before it was saved.
  return JSON.parse(JSON.stringify(p));
}

/** Create, rewrite, read and delete a connection's secret by asking Secrets Manager. */
export function connectionSecrets(bus: DeliveryBus) {
  return {
    async create(c: Connection): Promise<string> {
      const name = `events!connection/${c.Name}/${uuid()}`;
      const region = scopeOfArn(c.ConnectionArn)?.region;
      const secretString = secretText(c.AuthorizationType, c.AuthParameters);
      const { arn } = await bus.ask<unknown, { arn: string }>('secretsmanager.managed.create', { owningService: OWNER, name, secretString, region });
      return arn;
    },
    /** Every connection has its secret: one restored without it got a new one (webhooks.ts, persisted.restore). */
    async update(c: Connection): Promise<void> {
      await bus.ask('secretsmanager.managed.update', { owningService: OWNER, secretArn: c.SecretArn, secretString: secretText(c.AuthorizationType, c.AuthParameters) });
    },
    async read(c: Connection): Promise<AuthParameters> {
      return authParametersOf(c.AuthorizationType, await bus.ask<unknown, string>('secretsmanager.managed.read', { owningService: OWNER, secretArn: c.SecretArn }));
    },
    async delete(c: Connection): Promise<void> {
      await bus.ask('secretsmanager.managed.delete', { owningService: OWNER, secretArn: c.SecretArn });
    },
  };
}
