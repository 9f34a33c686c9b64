import { uuid } from '../core/ids';
import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import { invalidToken } from './event-order';
import { evaluatePolicy } from '../core/resource-policy';
import type { RequestContext } from '../core/context';
import type { Scope } from '../core/scope';
import { withoutScope, type LogGroup, type Scoping } from './state';

/**
 * Logs resource policies: what lets an AWS service (EventBridge, Route 53…) write into this account's log groups.
 * Account-scoped ones have a name (at most 10); a resource-scoped one is attached to one log group, replaced only
 * with its current revision id. Only service principals are subject to them, as on AWS (IAM policies govern
 * users and roles), and only logs:CreateLogStream and logs:PutLogEvents are looked at.
 */
export interface AccountPolicy {
  policyName: string;
  policyDocument: string;
  lastUpdatedTime: number;
  /** Put outside the emulator's own account and Region (state.ts, Scoping): it covers that Region's groups. */
  scope?: Scope;
}
export interface GroupPolicy {
  policyDocument: string;
  lastUpdatedTime: number;
  revisionId: string;
}

const MAX_ACCOUNT_POLICIES = 10;
const MAX_DOCUMENT_CHARS = 5120;
const PAGE = 50;

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);

function checkDocument(doc: unknown): string {
  if (typeof doc !== 'string' || doc.length === 0) throw invalid('policyDocument is required.');
  if (doc.length > MAX_DOCUMENT_CHARS) {
    throw invalid(`1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DOCUMENT_CHARS}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('Policy document is not valid JSON.');
  return doc;
}

export interface ResourcePolicyDeps {
  /** Account-scoped policies by Scoping.key of their name. */
  policies: Map<string, AccountPolicy>;
  scoping: Scoping;
  /** The group a resource ARN names (throws ResourceNotFoundException). */
  groupByArn(arn: string): LogGroup;
  now(): number;
  changed(what: { account?: string; group?: LogGroup }): void;
}

export function resourcePolicyOperations(d: ResourcePolicyDeps) {
  const groupView = (g: LogGroup, arn: string) => ({
    policyDocument: g.resourcePolicy!.policyDocument,
    lastUpdatedTime: g.resourcePolicy!.lastUpdatedTime,
    policyScope: 'RESOURCE',
    resourceArn: arn.replace(/:\*$/, ''),
    revisionId: g.resourcePolicy!.revisionId,
  });
  const accountView = (p: AccountPolicy) => ({ ...withoutScope(p), policyScope: 'ACCOUNT' });

  return {
    PutResourcePolicy(input: any, ctx: RequestContext) {
      const policyDocument = checkDocument(input.policyDocument);
      if (input.resourceArn !== undefined) {
        const g = d.groupByArn(input.resourceArn);
        const current = g.resourcePolicy;
        if (current ? input.expectedRevisionId !== current.revisionId : input.expectedRevisionId !== undefined) {
          throw new AwsError('OperationAbortedException', 'The expected revision id does not match the resource policy\'s current revision.', 400);
        }
        g.resourcePolicy = { policyDocument, lastUpdatedTime: d.now(), revisionId: uuid() };
        d.changed({ group: g });
        return { resourcePolicy: groupView(g, input.resourceArn), revisionId: g.resourcePolicy.revisionId };
      }
      const policyName = input.policyName;
      if (typeof policyName !== 'string' || policyName === '') throw invalid('policyName is required.');
      const key = d.scoping.key(ctx, policyName);
      if (!d.policies.has(key) && [...d.policies.values()].filter((p) => d.scoping.owns(ctx, p)).length >= MAX_ACCOUNT_POLICIES) {
        throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);
      }
      const policy: AccountPolicy = { policyName, policyDocument, lastUpdatedTime: d.now(), ...d.scoping.field(ctx) };
      d.policies.set(key, policy);
      d.changed({ account: key });
      return { resourcePolicy: accountView(policy) };
    },

    DescribeResourcePolicies(input: any, ctx: RequestContext) {
      let all: Record<string, unknown>[];
      if (input.resourceArn !== undefined) {
        const g = d.groupByArn(input.resourceArn);
        all = g.resourcePolicy ? [groupView(g, input.resourceArn)] : [];
      } else {
        all = [...d.policies.values()]
          .filter((p) => d.scoping.owns(ctx, p))
          .sort((a, b) => a.policyName.localeCompare(b.policyName))
          .map(accountView);
      }
      if (input.policyScope !== undefined) all = all.filter((p) => p.policyScope === input.policyScope);
      const { items, next } = offsetPage(all, input.nextToken, Math.min(input.limit ?? PAGE, PAGE), 'p', invalidToken);
      return { resourcePolicies: items, nextToken: next };
    },

    DeleteResourcePolicy(input: any, ctx: RequestContext) {
      if (input.resourceArn !== undefined) {
        const g = d.groupByArn(input.resourceArn);
        if (!g.resourcePolicy) throw new AwsError('ResourceNotFoundException', 'The resource policy does not exist.', 400);
        if (input.expectedRevisionId !== undefined && input.expectedRevisionId !== g.resourcePolicy.revisionId) {
          throw new AwsError('OperationAbortedException', 'The expected revision id does not match the resource policy\'s current revision.', 400);
        }
        g.resourcePolicy = undefined;
        d.changed({ group: g });
        return {};
      }
      const key = d.scoping.key(ctx, input.policyName ?? '');
      if (!d.policies.delete(key)) {
        throw new AwsError('ResourceNotFoundException', `Policy with name [${input.policyName}] does not exist`, 400);
      }
      d.changed({ account: key });
      return {};
    },
  };
}

/**
 * Whether a service may create `stream` and put events in it: an account policy (of the group's account and
 * Region: the caller passes those) or the group's own allows both actions on the stream's ARN, and none denies them.
 */
export function servicePutAllowed(
  policies: Iterable<AccountPolicy>,
  g: LogGroup,
  streamArn: string,
  request: { principal: string; sourceArn: string; sourceAccount: string },
): boolean {
  const documents = [...[...policies].map((p) => p.policyDocument), ...(g.resourcePolicy ? [g.resourcePolicy.policyDocument] : [])];
  const context = { 'aws:SourceArn': request.sourceArn, 'aws:SourceAccount': request.sourceAccount };
  return ['logs:CreateLogStream', 'logs:PutLogEvents'].every((action) => {
    const decisions = documents.map((doc) => evaluatePolicy(doc, { principal: request.principal, action, resource: streamArn, context }));
    return !decisions.includes('Deny') && decisions.includes('Allow');
  });
}
