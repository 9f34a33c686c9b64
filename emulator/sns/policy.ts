import type { Origin } from '../core/delivery';
import { evaluatePolicy, ROLE_BASED_PRINCIPALS } from '../core/resource-policy';
import { authorizationError, invalidParameter } from './validation';

/**
 * Topic access policies: the default one SNS attaches to a new topic, AddPermission/RemovePermission edits,
 * and (strict mode) whether a service such as S3 may publish.
 */

/** The policy SNS gives a new topic: the owner account may do everything topic-level. */
export function defaultTopicPolicy(topicArn: string, accountId: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Effect: 'Allow',
        Sid: '__default_statement_ID',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
      },
    ],
  });
}

/** Actions AddPermission accepts (without the `SNS:` prefix). */
const PERMISSION_ACTIONS = new Set([
  'GetTopicAttributes',
  'SetTopicAttributes',
  'AddPermission',
  'RemovePermission',
  'DeleteTopic',
  'Subscribe',
  'ListSubscriptionsByTopic',
  'Publish',
  'Receive',
]);

interface PolicyDoc {
  Version?: string;
  Id?: string;
  Statement: Record<string, unknown>[];
}

function parse(policy: string): PolicyDoc {
  try {
    const doc = JSON.parse(policy);
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    return { ...doc, Statement: statements };
  } catch {
    return { Version: '2008-10-17', Statement: [] };
  }
}

/** AddPermission: one Allow statement with Sid = label for the given accounts and actions. */
export function addPermission(policy: string, topicArn: string, label: string, accounts: string[], actions: string[]): string {
  if (!label || !/^[A-Za-z0-9_-]{1,80}$/.test(label)) throw invalidParameter('Label');
  if (accounts.length === 0) throw invalidParameter('AWSAccountId');
  if (actions.length === 0) throw invalidParameter('ActionName');
  const doc = parse(policy);
  if (doc.Statement.some((s) => s.Sid === label)) throw invalidParameter('Statement already exists');
  if (actions.some((a) => !PERMISSION_ACTIONS.has(a))) throw invalidParameter('Policy statement action out of service scope!');
  const principals = accounts.map((a) => `arn:aws:iam::${a}:root`);
  const snsActions = actions.map((a) => `SNS:${a}`);
  doc.Statement.push({
    Sid: label,
    Effect: 'Allow',
    Principal: { AWS: principals.length === 1 ? principals[0] : principals },
    Action: snsActions.length === 1 ? snsActions[0] : snsActions,
    Resource: topicArn,
  });
  return JSON.stringify(doc);
}

/** RemovePermission: drops the statement with Sid = label (a missing label is not an error). */
export function removePermission(policy: string, label: string): string {
  if (!label) throw invalidParameter('Label');
  const doc = parse(policy);
  doc.Statement = doc.Statement.filter((s) => s.Sid !== label);
  return JSON.stringify(doc);
}

/** Lambda (DLQ and destination records), Scheduler and Pipes publish with a role, not through the topic policy. */
const IDENTITY_BASED_PRINCIPALS = new Set([...ROLE_BASED_PRINCIPALS, 'sns.amazonaws.com']);

/**
 * Strict mode: may this service principal publish to the topic? AWS authorises service principals (S3
 * event notifications, CloudWatch alarms, EventBridge…) with the topic policy only, with aws:SourceArn and
 * aws:SourceAccount set; the default policy (owner account only) does not let them in.
 */
export function checkServicePublish(policy: string, topicArn: string, origin: Origin): void {
  if (!/\.amazonaws\.com(\.cn)?$/.test(origin.principal) || IDENTITY_BASED_PRINCIPALS.has(origin.principal)) return;
  const decision = evaluatePolicy(policy, {
    principal: origin.principal,
    action: 'SNS:Publish',
    resource: topicArn,
    context: { 'aws:SourceArn': origin.sourceArn, 'aws:SourceAccount': origin.sourceAccount },
  });
  if (decision !== 'Allow') {
    throw authorizationError(
      `The topic policy of ${topicArn} does not allow ${origin.principal} to call SNS:Publish with aws:SourceArn ${origin.sourceArn}`,
    );
  }
}
