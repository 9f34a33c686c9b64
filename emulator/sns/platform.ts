import type * as SNS from '@aws-sdk/client-sns';
import type { RequestContext } from '../core/context';
import type { SnsAttributeValue } from '../core/delivery';
import { AwsError } from '../core/errors';
import { arn as makeArn, parseArn, uuid } from '../core/ids';
import type { SnsDelivery } from './delivery';
import { page } from './paging';
import type { Out } from './publish';
import type { OutboxEntry, PlatformApplication, PlatformEndpoint } from './state';
import type { SnsStore } from './store';
import { invalidParameter, MAX_PAYLOAD_BYTES, parseMessageStructure, payloadSize, validateMessageAttributes, validateSubject } from './validation';

/**
 * Mobile push: platform applications (one per app and push service, holding its credentials) and their device
 * endpoints, Publish to an endpoint ARN, and what a device subscribed to a topic receives. Nothing is pushed to
 * a real service: each message lands in the outbox as an `application` entry with the platform and token.
 */

const PLATFORMS = new Set([
  'ADM', 'APNS', 'APNS_SANDBOX', 'APNS_VOIP', 'APNS_VOIP_SANDBOX', 'BAIDU', 'GCM', 'MACOS', 'MACOS_SANDBOX', 'MPNS', 'WNS',
]);
/** GCM (FCM) authenticates with the credential alone (an API key or a service-account JSON); the rest need both. */
const CREDENTIAL_ONLY = new Set(['GCM']);
/** Credentials SNS accepts but never returns. */
const SECRET_ATTRIBUTES = new Set(['PlatformCredential', 'PlatformPrincipal']);
const APPLICATION_ATTRIBUTES = new Set([
  ...SECRET_ATTRIBUTES,
  'EventEndpointCreated',
  'EventEndpointDeleted',
  'EventEndpointUpdated',
  'EventDeliveryFailure',
  'SuccessFeedbackRoleArn',
  'FailureFeedbackRoleArn',
  'SuccessFeedbackSampleRate',
  'ApplePlatformTeamID',
  'ApplePlatformBundleID',
]);
const ENDPOINT_ATTRIBUTES = new Set(['CustomUserData', 'Enabled', 'Token']);
const APP_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const MAX_CUSTOM_USER_DATA_BYTES = 2048;

const applicationNotFound = () => new AwsError('NotFound', 'PlatformApplication does not exist', 404);
const endpointNotFound = () => new AwsError('NotFound', 'Endpoint does not exist', 404);
export const endpointDisabled = () => new AwsError('EndpointDisabled', 'Endpoint is disabled', 400);
/** A required map left out: the Query protocol's validation error, as for any missing required member. */
const missingMap = (member: string) =>
  new AwsError('ValidationError', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`, 400);

/** `arn:aws:sns:<region>:<account>:endpoint/<PLATFORM>/<app>/<id>`: the ARN names a device, not a topic. */
export const isEndpointArn = (value: string | undefined): boolean => !!value && parseArn(value)?.resource.startsWith('endpoint/') === true;

export const isEnabled = (endpoint: PlatformEndpoint): boolean => endpoint.attributes.Enabled?.toLowerCase() !== 'false';

/** The application ARN an endpoint ARN belongs to (`endpoint/GCM/app/id` → `app/GCM/app`). */
function applicationArnOf(endpointArn: string): string | undefined {
  const parsed = parseArn(endpointArn);
  const parts = parsed?.resource.split('/');
  if (!parsed || parts?.length !== 4 || parts[0] !== 'endpoint') return undefined;
  return makeArn('sns', parsed.region, parsed.accountId, `app/${parts[1]}/${parts[2]}`);
}

function checkArn(value: string | undefined, parameter: string, kind: 'app' | 'endpoint', ctx: RequestContext): string {
  if (!value) throw invalidParameter(`${parameter} Reason: no value for required parameter`);
  const parsed = parseArn(value);
  if (!parsed) throw invalidParameter(`${parameter} Reason: An ARN must have at least 6 elements, not ${value.split(':').length}`);
  const parts = parsed.resource.split('/');
  const expected = kind === 'app' ? 3 : 4;
  if (parsed.service !== 'sns' || parts[0] !== kind || parts.length !== expected || parts.some((p) => p === '')) {
    throw invalidParameter(`${parameter} Reason: Wrong format of the ${kind === 'app' ? 'PlatformApplication' : 'Endpoint'} ARN`);
  }
  if (parsed.region !== ctx.region) throw invalidParameter(parameter);
  return value;
}

function validateEndpointAttributes(attributes: Record<string, string>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (!ENDPOINT_ATTRIBUTES.has(name)) throw invalidParameter(`Attributes Reason: Invalid attribute name: ${name}`);
    if (name === 'CustomUserData' && Buffer.byteLength(value ?? '', 'utf8') > MAX_CUSTOM_USER_DATA_BYTES) {
      throw invalidParameter('Attributes Reason: Invalid value for attribute: CustomUserData: must be at most 2048 bytes long in UTF-8 encoding');
    }
    if (name === 'Enabled' && !/^(true|false)$/i.test(value ?? '')) {
      throw invalidParameter(`Attributes Reason: Invalid value for attribute: Enabled: ${value} must be true or false`);
    }
    if (name === 'Token' && !value) throw invalidParameter('Attributes Reason: Invalid value for attribute: Token: cannot be empty');
  }
}

function validateApplicationAttributes(attributes: Record<string, string>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (!APPLICATION_ATTRIBUTES.has(name)) throw invalidParameter(`Attributes Reason: Invalid attribute name: ${name}`);
    if (name.startsWith('Event') && value && parseArn(value)?.service !== 'sns') {
      throw invalidParameter(`Attributes Reason: Invalid value for attribute: ${name}: must be a topic ARN`);
    }
    if (name === 'SuccessFeedbackSampleRate' && value && !(/^\d+$/.test(value) && Number(value) <= 100)) {
      throw invalidParameter('Attributes Reason: Invalid value for attribute: SuccessFeedbackSampleRate: must be an integer from 0 to 100');
    }
  }
}

/** The credentials an application needs to reach its push service (see CreatePlatformApplication). */
function requireCredentials(platform: string, attributes: Record<string, string>): void {
  const has = (name: string) => !!attributes[name];
  if (CREDENTIAL_ONLY.has(platform)) {
    if (!has('PlatformCredential')) throw invalidParameter('Attributes Reason: PlatformCredential attribute is required');
    return;
  }
  if (has('PlatformCredential') && !has('PlatformPrincipal')) {
    throw invalidParameter('Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal');
  }
  if (has('PlatformPrincipal') && !has('PlatformCredential')) {
    throw invalidParameter('Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential');
  }
  if (!has('PlatformCredential')) throw invalidParameter('Attributes Reason: PlatformPrincipal and PlatformCredential attributes are required');
}

/** What GetPlatformApplicationAttributes shows: settings, never the credentials; APNS and GCM say how they authenticate. */
function visibleAttributes(app: PlatformApplication): Record<string, string> {
  const out: Record<string, string> = { Enabled: 'true' };
  for (const [k, v] of Object.entries(app.attributes)) if (!SECRET_ATTRIBUTES.has(k) && v !== '') out[k] = v;
  if (app.platform.startsWith('APNS')) {
    out.AuthenticationMethod = app.attributes.ApplePlatformTeamID && app.attributes.ApplePlatformBundleID ? 'Token' : 'Certificate';
  } else if (app.platform === 'GCM') {
    out.AuthenticationMethod = (app.attributes.PlatformCredential ?? '').trimStart().startsWith('{') ? 'Token' : 'Key';
  }
  return out;
}

const sameAttributes = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export function platformOperations(store: SnsStore) {
  const application = (value: string | undefined, ctx: RequestContext, parameter = 'PlatformApplicationArn'): PlatformApplication => {
    const app = store.platformApplications.get(checkArn(value, parameter, 'app', ctx));
    if (!app || app.accountId !== ctx.accountId) throw applicationNotFound();
    return app;
  };
  const endpoint = (value: string | undefined, ctx: RequestContext): PlatformEndpoint => {
    const found = store.platformEndpoints.get(checkArn(value, 'EndpointArn', 'endpoint', ctx));
    if (!found) throw endpointNotFound();
    return found;
  };
  const endpointsOf = (app: PlatformApplication) => [...store.platformEndpoints.values()].filter((e) => e.applicationArn === app.arn);

  return {
    async CreatePlatformApplication(input: SNS.CreatePlatformApplicationCommandInput, ctx: RequestContext): Promise<Out<SNS.CreatePlatformApplicationCommandOutput>> {
      const { Name: name, Platform: platform } = input;
      if (!name) throw invalidParameter('Name Reason: cannot be empty');
      if (name.length > 256) throw invalidParameter('Name Reason: must be at most 256 characters long');
      if (!APP_NAME.test(name)) {
        throw invalidParameter("Name Reason: must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'");
      }
      if (!platform) throw invalidParameter('Platform Reason: no value for required parameter');
      if (!PLATFORMS.has(platform)) throw invalidParameter(`Platform Reason: ${platform} is not supported`);
      if (!input.Attributes || Object.keys(input.Attributes).length === 0) throw missingMap('attributes');
      validateApplicationAttributes(input.Attributes);
      requireCredentials(platform, input.Attributes);
      const arn = makeArn('sns', ctx.region, ctx.accountId, `app/${platform}/${name}`);
      // The same name and platform again names the same application: its settings are replaced, its endpoints kept.
      const app: PlatformApplication = { arn, name, platform, region: ctx.region, accountId: ctx.accountId, attributes: { ...input.Attributes } };
      store.platformApplications.set(arn, app);
      return { PlatformApplicationArn: arn };
    },

    async GetPlatformApplicationAttributes(input: SNS.GetPlatformApplicationAttributesCommandInput, ctx: RequestContext): Promise<Out<SNS.GetPlatformApplicationAttributesCommandOutput>> {
      return { Attributes: visibleAttributes(application(input.PlatformApplicationArn, ctx)) };
    },

    async SetPlatformApplicationAttributes(input: SNS.SetPlatformApplicationAttributesCommandInput, ctx: RequestContext): Promise<Out<SNS.SetPlatformApplicationAttributesCommandOutput>> {
      const app = application(input.PlatformApplicationArn, ctx);
      if (!input.Attributes || Object.keys(input.Attributes).length === 0) throw missingMap('attributes');
      validateApplicationAttributes(input.Attributes);
      const merged = { ...app.attributes, ...input.Attributes };
      requireCredentials(app.platform, merged);
      app.attributes = merged;
      return {};
    },

    /** Idempotent; the application's endpoints go with it (subscriptions naming them stay, as on AWS, until unsubscribed). */
    async DeletePlatformApplication(input: SNS.DeletePlatformApplicationCommandInput, ctx: RequestContext): Promise<Out<SNS.DeletePlatformApplicationCommandOutput>> {
      const arn = checkArn(input.PlatformApplicationArn, 'PlatformApplicationArn', 'app', ctx);
      const app = store.platformApplications.get(arn);
      if (!app || app.accountId !== ctx.accountId) return {};
      for (const e of endpointsOf(app)) store.platformEndpoints.delete(e.arn);
      store.platformApplications.delete(arn);
      return {};
    },

    async ListPlatformApplications(input: SNS.ListPlatformApplicationsCommandInput, ctx: RequestContext): Promise<Out<SNS.ListPlatformApplicationsCommandOutput>> {
      const mine = [...store.platformApplications.values()].filter((a) => a.accountId === ctx.accountId && a.region === ctx.region);
      const { items, nextToken } = page(mine, input.NextToken);
      const PlatformApplications = items.map((a) => ({ PlatformApplicationArn: a.arn, Attributes: visibleAttributes(a) }));
      return nextToken ? { PlatformApplications, NextToken: nextToken } : { PlatformApplications };
    },

    /**
     * Idempotent per token: the same token with the same attributes returns the existing endpoint; with other
     * attributes (a different CustomUserData, or the endpoint since disabled) it is refused.
     */
    async CreatePlatformEndpoint(input: SNS.CreatePlatformEndpointCommandInput, ctx: RequestContext): Promise<Out<SNS.CreatePlatformEndpointCommandOutput>> {
      const app = application(input.PlatformApplicationArn, ctx);
      const token = input.Token;
      if (!token) throw invalidParameter('Token Reason: cannot be empty');
      const given = { ...(input.Attributes ?? {}) };
      validateEndpointAttributes(given);
      if (input.CustomUserData !== undefined) validateEndpointAttributes({ CustomUserData: input.CustomUserData });
      // CustomUserData may come either way; the Attributes entry wins.
      const attributes: Record<string, string> = { Enabled: 'true', ...given, Token: token };
      if (attributes.CustomUserData === undefined && input.CustomUserData !== undefined) attributes.CustomUserData = input.CustomUserData;
      const existing = endpointsOf(app).find((e) => e.attributes.Token === token);
      if (existing) {
        if (sameAttributes(existing.attributes, attributes)) return { EndpointArn: existing.arn };
        throw invalidParameter(`Token Reason: Endpoint ${existing.arn} already exists with the same Token, but different attributes.`);
      }
      const arn = makeArn('sns', ctx.region, ctx.accountId, `endpoint/${app.platform}/${app.name}/${uuid()}`);
      store.platformEndpoints.set(arn, { arn, applicationArn: app.arn, attributes });
      return { EndpointArn: arn };
    },

    async GetEndpointAttributes(input: SNS.GetEndpointAttributesCommandInput, ctx: RequestContext): Promise<Out<SNS.GetEndpointAttributesCommandOutput>> {
      return { Attributes: { ...endpoint(input.EndpointArn, ctx).attributes } };
    },

    async SetEndpointAttributes(input: SNS.SetEndpointAttributesCommandInput, ctx: RequestContext): Promise<Out<SNS.SetEndpointAttributesCommandOutput>> {
      const found = endpoint(input.EndpointArn, ctx);
      if (!input.Attributes || Object.keys(input.Attributes).length === 0) throw missingMap('attributes');
      validateEndpointAttributes(input.Attributes);
      found.attributes = { ...found.attributes, ...input.Attributes };
      return {};
    },

    /** Idempotent: an endpoint already gone is not an error. */
    async DeleteEndpoint(input: SNS.DeleteEndpointCommandInput, ctx: RequestContext): Promise<Out<SNS.DeleteEndpointCommandOutput>> {
      store.platformEndpoints.delete(checkArn(input.EndpointArn, 'EndpointArn', 'endpoint', ctx));
      return {};
    },

    async ListEndpointsByPlatformApplication(input: SNS.ListEndpointsByPlatformApplicationCommandInput, ctx: RequestContext): Promise<Out<SNS.ListEndpointsByPlatformApplicationCommandOutput>> {
      const app = application(input.PlatformApplicationArn, ctx);
      const { items, nextToken } = page(endpointsOf(app), input.NextToken);
      const Endpoints = items.map((e) => ({ EndpointArn: e.arn, Attributes: { ...e.attributes } }));
      return nextToken ? { Endpoints, NextToken: nextToken } : { Endpoints };
    },
  };
}

/** The endpoint and its application a Publish TargetArn or an `application` subscription names, if both exist. */
export function deviceOf(lookup: { platformEndpoint(arn: string): PlatformEndpoint | undefined; platformApplication(arn: string): PlatformApplication | undefined }, endpointArn: string) {
  const endpoint = lookup.platformEndpoint(endpointArn);
  const app = endpoint ? lookup.platformApplication(endpoint.applicationArn) : undefined;
  return endpoint && app ? { endpoint, app } : undefined;
}

/** The outbox entry for one message pushed to a device. */
export function deviceEntry(
  device: { endpoint: PlatformEndpoint; app: PlatformApplication },
  body: string,
  messageId: string,
  time: number,
  via?: { subscriptionArn: string; topicArn: string },
): OutboxEntry {
  return {
    protocol: 'application',
    endpoint: device.endpoint.arn,
    subscriptionArn: via?.subscriptionArn ?? '',
    topicArn: via?.topicArn ?? '',
    type: 'Notification',
    messageId,
    body,
    platform: device.app.platform,
    token: device.endpoint.attributes.Token,
    time,
  };
}

/**
 * Publish with TargetArn = an endpoint ARN: straight to the device (no topic, no subscribers). With
 * MessageStructure=json the platform's own entry ("GCM", "APNS", …) is sent, else `default`.
 */
export function publishToEndpoint(input: SNS.PublishCommandInput, ctx: RequestContext, store: SnsStore, delivery: SnsDelivery, now: () => number): Out<SNS.PublishCommandOutput> {
  const target = checkArn(input.TargetArn, 'TargetArn', 'endpoint', ctx);
  const message = input.Message;
  if (message === undefined || message === '') throw invalidParameter('Empty message');
  validateSubject(input.Subject);
  const attributes = input.MessageAttributes as Record<string, SnsAttributeValue> | undefined;
  validateMessageAttributes(attributes);
  if (payloadSize(message, attributes) > MAX_PAYLOAD_BYTES) throw invalidParameter('Message too long');
  let perProtocol: Record<string, string> | undefined;
  if (input.MessageStructure !== undefined) {
    if (input.MessageStructure !== 'json') throw invalidParameter('MessageStructure');
    perProtocol = parseMessageStructure(message, false);
  }
  if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
    throw invalidParameter('MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this endpoint type');
  }
  const device = deviceOf(store, target);
  if (!device || device.endpoint.applicationArn !== applicationArnOf(target)) {
    throw invalidParameter('TargetArn Reason: No endpoint found for the target arn specified');
  }
  if (!isEnabled(device.endpoint)) throw endpointDisabled();
  const body = perProtocol ? (perProtocol[device.app.platform] ?? perProtocol.default) : message;
  if (body === undefined) throw invalidParameter('Message Structure - No default entry in JSON message body');
  const messageId = uuid();
  delivery.outbox.push(deviceEntry(device, body, messageId, now()));
  return { MessageId: messageId };
}
