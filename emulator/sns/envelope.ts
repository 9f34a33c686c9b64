import type { SnsAttributeValue } from '../core/delivery';
import { parseArn } from '../core/ids';
import { sign, signingCertUrl, signInBackground } from './signing';
import { isRaw, messageFor, type PublishedMessage, type Subscription } from './state';

/**
 * The documents subscribers receive: the JSON envelope (SQS and HTTP/S without raw delivery, email-json),
 * the Lambda event record, and the subscription confirmation. Field order and layout follow what SNS sends.
 */

export type EnvelopeAttributes = Record<string, { Type: string; Value: string }>;

/** `{name:{Type,Value}}`, Binary values base64. */
export function envelopeAttributes(attrs: Record<string, SnsAttributeValue>): EnvelopeAttributes {
  const out: EnvelopeAttributes = {};
  for (const [name, a] of Object.entries(attrs)) {
    out[name] = {
      Type: a.DataType,
      Value: a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue).toString('base64') : (a.StringValue ?? ''),
    };
  }
  return out;
}

const regionOf = (topicArn: string) => parseArn(topicArn)?.region ?? 'us-east-1';

/**
 * The signature covers only fields every subscriber shares (not UnsubscribeURL), so it is computed once per
 * message text (MessageStructure=json can give protocols different texts) rather than once per subscriber.
 */
const signatures = new WeakMap<PublishedMessage, Map<string, string>>();
function signatureOf(m: PublishedMessage, doc: Record<string, unknown>): string {
  let byText = signatures.get(m);
  if (!byText) signatures.set(m, (byText = new Map()));
  const text = String(doc.Message);
  let signature = byText.get(text);
  if (signature === undefined) byText.set(text, (signature = sign(doc, m.signatureVersion)));
  return signature;
}

/** Whether what `sub` receives carries the message's signature (the JSON envelope or the Lambda event). */
function carriesSignature(sub: Subscription): boolean {
  switch (sub.protocol) {
    case 'lambda':
    case 'email-json':
      return true;
    case 'sqs':
    case 'http':
    case 'https':
      return !isRaw(sub);
    default:
      return false;
  }
}

/**
 * Signs, on the thread pool, every message text `subs` will receive, so the envelopes built afterwards find
 * their signatures made. Undefined when there is nothing to sign.
 */
export function signForSubscribers(m: PublishedMessage, subs: Subscription[]): Promise<void> | undefined {
  let byText = signatures.get(m);
  const texts = new Set<string>();
  for (const sub of subs) {
    if (!carriesSignature(sub)) continue;
    const text = messageFor(m, sub.protocol);
    if (!byText?.has(text)) texts.add(text);
  }
  if (texts.size === 0) return undefined;
  if (!byText) signatures.set(m, (byText = new Map()));
  const cache = byText;
  return Promise.all(
    [...texts].map(async (text) => {
      const signed = { Type: 'Notification', MessageId: m.messageId, Subject: m.subject, Message: text, Timestamp: m.timestamp, TopicArn: m.topicArn };
      cache.set(text, await signInBackground(signed, m.signatureVersion));
    }),
  ).then(() => undefined);
}

export const unsubscribeUrl = (endpoint: string, subscriptionArn: string) =>
  `${endpoint}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`;

export const subscribeUrl = (endpoint: string, topicArn: string, token: string) =>
  `${endpoint}/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`;

/**
 * SNS writes its JSON documents one field per line (`"Type" : "Notification",`), message attributes one per
 * line in compact form. Consumers parse it as JSON; the layout only matters to byte-for-byte comparisons.
 */
export function formatSnsJson(doc: Record<string, unknown>): string {
  const lines = Object.entries(doc)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      if (k === 'MessageAttributes' && v && typeof v === 'object') {
        const inner = Object.entries(v).map(([n, a]) => `    ${JSON.stringify(n)} : ${JSON.stringify(a)}`);
        return `  "MessageAttributes" : {\n${inner.join(',\n')}\n  }`;
      }
      return `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`;
    });
  return `{\n${lines.join(',\n')}\n}`;
}

/** The Notification envelope as an object, in SNS's field order. */
export function notificationDocument(m: PublishedMessage, sub: Subscription): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    Type: 'Notification',
    MessageId: m.messageId,
    SequenceNumber: m.sequenceNumber,
    TopicArn: m.topicArn,
    Subject: m.subject,
    Message: messageFor(m, sub.protocol),
    Timestamp: m.timestamp,
  };
  doc.SignatureVersion = m.signatureVersion;
  doc.Signature = signatureOf(m, doc);
  doc.SigningCertURL = signingCertUrl(regionOf(m.topicArn));
  doc.UnsubscribeURL = unsubscribeUrl(m.endpoint, sub.arn);
  // SNS leaves attributes out of the envelope when the message was published with MessageStructure=json.
  if (!m.perProtocol && Object.keys(m.attributes).length > 0) doc.MessageAttributes = envelopeAttributes(m.attributes);
  for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
  return doc;
}

export const notificationEnvelope = (m: PublishedMessage, sub: Subscription): string => formatSnsJson(notificationDocument(m, sub));

/** The event a Lambda subscriber is invoked with (note `SigningCertUrl` / `UnsubscribeUrl` spelling). */
export function lambdaEvent(m: PublishedMessage, sub: Subscription): Record<string, unknown> {
  const signed: Record<string, unknown> = {
    Type: 'Notification',
    MessageId: m.messageId,
    TopicArn: m.topicArn,
    Subject: m.subject,
    Message: messageFor(m, 'lambda'),
    Timestamp: m.timestamp,
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: sub.arn,
        Sns: {
          Type: 'Notification',
          MessageId: m.messageId,
          TopicArn: m.topicArn,
          // Lambda events carry `"Subject": null` when none was published.
          Subject: m.subject ?? null,
          Message: signed.Message,
          Timestamp: m.timestamp,
          SignatureVersion: m.signatureVersion,
          Signature: signatureOf(m, signed),
          SigningCertUrl: signingCertUrl(regionOf(m.topicArn)),
          UnsubscribeUrl: unsubscribeUrl(m.endpoint, sub.arn),
          MessageAttributes: envelopeAttributes(m.attributes),
        },
      },
    ],
  };
}

/** The SubscriptionConfirmation document POSTed to http/https endpoints (and kept for email-json). */
export function confirmationDocument(opts: {
  messageId: string;
  token: string;
  topicArn: string;
  timestamp: string;
  endpoint: string;
  signatureVersion: string;
}): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    Type: 'SubscriptionConfirmation',
    MessageId: opts.messageId,
    Token: opts.token,
    TopicArn: opts.topicArn,
    Message: `You have chosen to subscribe to the topic ${opts.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: subscribeUrl(opts.endpoint, opts.topicArn, opts.token),
    Timestamp: opts.timestamp,
  };
  doc.SignatureVersion = opts.signatureVersion;
  doc.Signature = sign(doc, opts.signatureVersion);
  doc.SigningCertURL = signingCertUrl(regionOf(opts.topicArn));
  return doc;
}
