import type { SnsAttributeValue } from '../core/delivery';

/** The SNS provider's own state: topics, subscriptions, and the captured outbox. */

export interface Topic {
  arn: string;
  name: string;
  region: string;
  accountId: string;
  fifo: boolean;
  /** Attributes as set by the client (DisplayName, Policy, DeliveryPolicy, ContentBasedDeduplication, …). */
  attributes: Record<string, string>;
  tags: Map<string, string>;
  /** Subscription ARNs, in subscription order. */
  subscriptions: string[];
  subscriptionsDeleted: number;
  dataProtectionPolicy?: string;
  /** The emulator base URL seen when the topic was created (UnsubscribeURL for deliveries without a request). */
  endpoint: string;
  /** FIFO: deduplication id → the first publish's result and when the 5-minute window ends. */
  dedup: Map<string, DedupWindow>;
  /** FIFO: last sequence number handed out. */
  sequence: bigint;
}

export interface DedupWindow {
  messageId: string;
  sequenceNumber: string;
  /** Emulator time the window closes. */
  expires: number;
}

export type Protocol = 'sqs' | 'lambda' | 'http' | 'https' | 'email' | 'email-json' | 'sms' | 'application' | 'firehose';

export interface Subscription {
  arn: string;
  topicArn: string;
  protocol: Protocol;
  endpoint: string;
  owner: string;
  /** Client-set attributes (RawMessageDelivery, FilterPolicy, FilterPolicyScope, RedrivePolicy, DeliveryPolicy…). */
  attributes: Record<string, string>;
  pending: boolean;
  confirmationWasAuthenticated: boolean;
  /** The confirmation token (http/https; email for the outbox's link). */
  token: string;
}

/** One published message as every subscriber sees it (MessageId and Timestamp are shared). */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  message: string;
  /** MessageStructure=json: per-protocol bodies (always has `default`). */
  perProtocol?: Record<string, string>;
  subject?: string;
  attributes: Record<string, SnsAttributeValue>;
  /** ISO-8601 with milliseconds, from the emulator clock. */
  timestamp: string;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  sequenceNumber?: string;
  /** Emulator base URL for UnsubscribeURL / SubscribeURL. */
  endpoint: string;
  signatureVersion: string;
  /** The publisher's X-Ray trace header: carries Lambda's loop lineage on to the subscribers. */
  traceHeader?: string;
}

/** A mobile push app (CreatePlatformApplication): its credentials and settings, by ARN. */
export interface PlatformApplication {
  arn: string;
  name: string;
  /** APNS, APNS_SANDBOX, GCM, ADM, BAIDU, … as given. */
  platform: string;
  region: string;
  accountId: string;
  /** As set by the client, the write-only PlatformCredential and PlatformPrincipal included. */
  attributes: Record<string, string>;
}

/** One device of a platform application (CreatePlatformEndpoint). */
export interface PlatformEndpoint {
  arn: string;
  applicationArn: string;
  /** Token, Enabled ('true'/'false'), and CustomUserData when given. */
  attributes: Record<string, string>;
}

/** What an email/email-json/http/https subscriber, an SMS phone number or a mobile device was sent, captured for the harness. */
export interface OutboxEntry {
  protocol: 'email' | 'email-json' | 'http' | 'https' | 'sms' | 'application';
  endpoint: string;
  subscriptionArn: string;
  topicArn: string;
  /** `Notification` or `SubscriptionConfirmation`. */
  type: 'Notification' | 'SubscriptionConfirmation';
  messageId: string;
  subject?: string;
  /** What the subscriber receives: the message text (email), the JSON document (email-json, http envelope), or the raw message. */
  body: string;
  /** Emulated time, epoch milliseconds. */
  time: number;
  /** http/https: the outcome of the delivery (`pending` until the first attempt returns). */
  status?: 'pending' | 'delivered' | 'failed';
  /** http/https: attempts made so far. */
  attempts?: number;
  /** sms: `Promotional` or `Transactional` (the message's AWS.SNS.SMS.SMSType, else the account's DefaultSMSType). */
  smsType?: string;
  /** sms: the message's AWS.SNS.SMS.SenderID, else the account's DefaultSenderID, if any. */
  senderId?: string;
  /** application: the endpoint's platform (GCM, APNS, …) and its device token when the message went out. */
  platform?: string;
  token?: string;
}

/** The message text a subscriber of `protocol` gets (MessageStructure=json picks its own entry or `default`). */
export const messageFor = (m: PublishedMessage, protocol: string): string =>
  m.perProtocol ? (m.perProtocol[protocol] ?? m.perProtocol.default!) : m.message;

export const isRaw = (s: Subscription): boolean => s.attributes.RawMessageDelivery?.toLowerCase() === 'true';
