import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import type { RequestContext } from '../core/context';
import { invalidToken } from './event-order';
import type { Scoping } from './state';

/**
 * Account-level policies (PutAccountPolicy, DescribeAccountPolicies, DeleteAccountPolicy): data protection,
 * subscription filter, field index and transformer policies, with their selection criteria. They are stored and
 * answered; none of them acts on log events yet (no masking, no account-wide subscription delivery, no indexing).
 * Not to be confused with account-scoped resource policies (PutResourcePolicy, resource-policies.ts).
 */
export interface LogsAccountPolicy {
  policyName: string;
  policyDocument: string;
  policyType: string;
  scope: string;
  selectionCriteria?: string;
  lastUpdatedTime: number;
  accountId: string;
  /** The Region it was put in, when not the emulator's own (`scope` is the API's own field here). */
  region?: string;
}

const TYPES = ['DATA_PROTECTION_POLICY', 'SUBSCRIPTION_FILTER_POLICY', 'FIELD_INDEX_POLICY', 'TRANSFORMER_POLICY', 'METRIC_EXTRACTION_POLICY'];
/** Types an account has at most one of (per Region), as AWS documents. */
const ONE_PER_ACCOUNT = new Set(['DATA_PROTECTION_POLICY', 'SUBSCRIPTION_FILTER_POLICY']);
/** Policies of any other type per account. */
const MAX_PER_TYPE = 20;
const MAX_DOCUMENT_CHARS = 30_720;
const PAGE = 50;

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);
export const accountPolicyId = (type: string, name: string) => `${type}/${name}`;

function checkType(type: unknown): string {
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    throw invalid(`1 validation error detected: Value '${type}' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [${TYPES.join(', ')}]`);
  }
  return type;
}

export interface AccountPolicyDeps {
  /** By Scoping.key of accountPolicyId. */
  policies: Map<string, LogsAccountPolicy>;
  scoping: Scoping;
  now(): number;
  changed(key: string): void;
}

export function accountPolicyOperations(d: AccountPolicyDeps) {
  const inRegion = (p: LogsAccountPolicy, region: string) => (p.region ?? d.scoping.home.region) === region;
  const view = ({ region: _r, ...p }: LogsAccountPolicy) => p;
  return {
    PutAccountPolicy(input: any, ctx: RequestContext) {
      const policyType = checkType(input.policyType);
      const policyName: string = input.policyName ?? '';
      if (!policyName) throw invalid('policyName is required.');
      const doc: string = input.policyDocument ?? '';
      if (doc.length > MAX_DOCUMENT_CHARS) throw invalid(`1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DOCUMENT_CHARS}`);
      try {
        JSON.parse(doc);
      } catch {
        throw invalid('Policy document is not valid JSON.');
      }
      const scope = input.scope ?? 'ALL';
      if (scope !== 'ALL') throw invalid(`1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [ALL]`);
      if (input.selectionCriteria !== undefined && policyType === 'DATA_PROTECTION_POLICY') {
        throw invalid('selectionCriteria is not supported for policy type DATA_PROTECTION_POLICY.');
      }
      const key = d.scoping.key(ctx, accountPolicyId(policyType, policyName));
      const ofType = [...d.policies.values()].filter((p) => p.accountId === ctx.accountId && inRegion(p, ctx.region) && p.policyType === policyType && p.policyName !== policyName);
      if (!d.policies.has(key) && (ONE_PER_ACCOUNT.has(policyType) ? ofType.length >= 1 : ofType.length >= MAX_PER_TYPE)) {
        throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);
      }
      const policy: LogsAccountPolicy = {
        policyName,
        policyDocument: doc,
        policyType,
        scope,
        ...(input.selectionCriteria !== undefined ? { selectionCriteria: input.selectionCriteria } : {}),
        lastUpdatedTime: d.now(),
        accountId: ctx.accountId,
        ...(ctx.region !== d.scoping.home.region ? { region: ctx.region } : {}),
      };
      d.policies.set(key, policy);
      d.changed(key);
      return { accountPolicy: view(policy) };
    },

    DescribeAccountPolicies(input: any, ctx: RequestContext) {
      const policyType = checkType(input.policyType);
      const accounts: string[] | undefined = input.accountIdentifiers?.length ? input.accountIdentifiers : undefined;
      const all = [...d.policies.values()]
        .filter((p) => p.policyType === policyType && (input.policyName === undefined || p.policyName === input.policyName))
        // Another account's policies (accountIdentifiers, a monitoring account's view), in the caller's Region.
        .filter((p) => (accounts ?? [ctx.accountId]).includes(p.accountId) && inRegion(p, ctx.region))
        .sort((a, b) => (a.policyName < b.policyName ? -1 : a.policyName > b.policyName ? 1 : 0));
      const { items, next } = offsetPage(all, input.nextToken, PAGE, 'a', invalidToken);
      return { accountPolicies: items.map(view), nextToken: next };
    },

    DeleteAccountPolicy(input: any, ctx: RequestContext) {
      const key = d.scoping.key(ctx, accountPolicyId(checkType(input.policyType), input.policyName ?? ''));
      if (!d.policies.delete(key)) throw new AwsError('ResourceNotFoundException', 'Policy not found.', 400);
      d.changed(key);
      return {};
    },
  };
}
