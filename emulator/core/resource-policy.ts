/**
 * A small evaluator for resource policies (SQS queue policies, SNS topic policies, Lambda function
 * policies), enough for strict mode to refuse what AWS would refuse: an S3 bucket or SNS topic delivering to
 * a queue whose policy does not allow it.
 *
 * Covers Effect, Principal (`*`, AWS accounts/ARNs, Service), Action/NotAction and Resource/NotResource with
 * wildcards, and the condition operators delivery policies use (String*, Arn*, Null, Bool, Numeric*, Date*,
 * IpAddress/NotIpAddress, `…IfExists`, `ForAnyValue:`/`ForAllValues:`). An explicit Deny wins over any Allow; no
 * matching Allow is an implicit deny. Unknown condition operators never match, so they deny rather than allow by accident.
 */
import { ipInCidr, parseCidr } from './patterns/cidr';
import { globMatches, globTokens } from './patterns/glob';

export interface PolicyRequest {
  /** Who asks: a service principal (`s3.amazonaws.com`) or an AWS account id / IAM ARN. */
  principal: string;
  /** e.g. `sqs:SendMessage` (case-insensitive). */
  action: string;
  /** ARN of the resource the policy is attached to. */
  resource: string;
  /** Condition keys (case-insensitive), e.g. `aws:SourceArn`, `aws:SourceAccount`. */
  context?: Record<string, string | string[] | undefined>;
}

export type PolicyDecision = 'Allow' | 'Deny' | 'ImplicitDeny';

type OneOrMany<T> = T | T[];
export interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: '*' | Record<string, OneOrMany<string>>;
  NotPrincipal?: '*' | Record<string, OneOrMany<string>>;
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  Condition?: Record<string, Record<string, OneOrMany<string | number | boolean>>>;
}

const list = <T>(v: OneOrMany<T> | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `*` and `?` wildcards, optionally case-insensitive (not a RegExp, which could backtrack for ever: see glob.ts). */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return ignoreCase ? globMatches(globTokens(foldCase(pattern), true), foldCase(value)) : globMatches(globTokens(pattern, true), value);
}

/** Lower case one UTF-16 unit at a time, keeping a unit whose lower case is longer ('İ'), so `?` still spans one. */
const foldCase = (s: string): string =>
  s.replace(/[^]/g, (c) => {
    const lower = c.toLowerCase();
    return lower.length === 1 ? lower : c;
  });

/** ArnLike: each of the six colon-separated parts is matched on its own. */
function arnLike(pattern: string, value: string): boolean {
  const p = pattern.split(':');
  const v = value.split(':');
  if (p.length < 6 || v.length < 6) return globMatch(pattern, value);
  const head = (parts: string[]) => [...parts.slice(0, 5), parts.slice(5).join(':')];
  const hp = head(p);
  const hv = head(v);
  return hp.every((part, i) => globMatch(part, hv[i]!));
}

function principalMatches(principal: Statement['Principal'], who: string): boolean {
  if (principal === undefined) return false;
  if (principal === '*') return true;
  const isService = who.endsWith('.amazonaws.com') || who.endsWith('.amazonaws.com.cn');
  for (const [kind, values] of Object.entries(principal)) {
    for (const v of list(values)) {
      if (v === '*') return true;
      if (kind === 'Service' && isService && v.toLowerCase() === who.toLowerCase()) return true;
      if (kind === 'AWS' && !isService) {
        const account = /^arn:[^:]+:iam::(\d{12}):root$/.exec(v)?.[1];
        if (v === who || account === who || (account && who.includes(`:${account}:`))) return true;
      }
    }
  }
  return false;
}

function actionMatches(patterns: string[], action: string): boolean {
  return patterns.some((p) => globMatch(p, action, true));
}

function resourceMatches(patterns: string[], resource: string): boolean {
  return patterns.some((p) => p === '*' || arnLike(p, resource));
}

type Comparator = (expected: string, actual: string) => boolean;

const COMPARATORS: Record<string, Comparator> = {
  StringEquals: (e, a) => e === a,
  StringNotEquals: (e, a) => e === a,
  StringEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringNotEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringLike: (e, a) => globMatch(e, a),
  StringNotLike: (e, a) => globMatch(e, a),
  ArnEquals: (e, a) => e === a,
  ArnNotEquals: (e, a) => e === a,
  ArnLike: (e, a) => arnLike(e, a),
  ArnNotLike: (e, a) => arnLike(e, a),
  Bool: (e, a) => e.toLowerCase() === a.toLowerCase(),
  NumericEquals: (e, a) => Number(a) === Number(e),
  NumericNotEquals: (e, a) => Number(a) === Number(e),
  NumericLessThan: (e, a) => Number(a) < Number(e),
  NumericLessThanEquals: (e, a) => Number(a) <= Number(e),
  NumericGreaterThan: (e, a) => Number(a) > Number(e),
  NumericGreaterThanEquals: (e, a) => Number(a) >= Number(e),
  DateEquals: (e, a) => dateOf(a) === dateOf(e),
  DateNotEquals: (e, a) => dateOf(a) === dateOf(e),
  DateLessThan: (e, a) => dateOf(a) < dateOf(e),
  DateLessThanEquals: (e, a) => dateOf(a) <= dateOf(e),
  DateGreaterThan: (e, a) => dateOf(a) > dateOf(e),
  DateGreaterThanEquals: (e, a) => dateOf(a) >= dateOf(e),
  IpAddress: (e, a) => ipMatches(e, a),
  NotIpAddress: (e, a) => ipMatches(e, a),
};
const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'NumericNotEquals', 'DateNotEquals', 'NotIpAddress']);

/** A date as IAM takes one, ISO 8601 or epoch seconds; NaN (never equal, never ordered) for anything else. */
function dateOf(value: string): number {
  return /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
}

/** An address within a CIDR block (a bare address is its own /32 or /128). */
function ipMatches(cidr: string, address: string): boolean {
  const block = parseCidr(cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`);
  return typeof block !== 'string' && ipInCidr(address, block);
}

function lookup(context: PolicyRequest['context'], key: string): string[] | undefined {
  if (!context) return undefined;
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() === lower && v !== undefined) return list(v);
  }
  return undefined;
}

/** IAM's condition operators (case-sensitive), without an `IfExists` suffix or a `ForAllValues:`/`ForAnyValue:` prefix. */
export const CONDITION_OPERATORS: ReadonlySet<string> = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
]);

/** A condition operator's name taken apart: `ForAnyValue:StringLikeIfExists` → any, StringLike, IfExists. */
export function parseConditionOperator(name: string): { operator: string; setMode?: 'any' | 'all'; ifExists: boolean } {
  let operator = name;
  let setMode: 'any' | 'all' | undefined;
  if (operator.startsWith('ForAnyValue:')) [setMode, operator] = ['any', operator.slice('ForAnyValue:'.length)];
  else if (operator.startsWith('ForAllValues:')) [setMode, operator] = ['all', operator.slice('ForAllValues:'.length)];
  const ifExists = operator.endsWith('IfExists');
  if (ifExists) operator = operator.slice(0, -'IfExists'.length);
  return { operator, setMode, ifExists };
}

function conditionHolds(rawOperator: string, key: string, expectedRaw: OneOrMany<string | number | boolean>, context: PolicyRequest['context']): boolean {
  const expected = list(expectedRaw).map(String);
  const actual = lookup(context, key);
  if (rawOperator === 'Null') {
    const wantMissing = expected.some((e) => e.toLowerCase() === 'true');
    return wantMissing ? actual === undefined : actual !== undefined;
  }
  const { operator, setMode, ifExists } = parseConditionOperator(rawOperator);
  const compare = COMPARATORS[operator];
  if (!compare) return false;
  const negated = NEGATED.has(operator);
  if (actual === undefined) return ifExists || negated || setMode === 'all';
  const matchesOne = (a: string) => expected.some((e) => compare(e, a));
  if (setMode === 'all') return actual.every((a) => (negated ? !matchesOne(a) : matchesOne(a)));
  const any = actual.some(matchesOne);
  return negated ? !any : any;
}

/**
 * Whether one statement applies to a request. An identity policy's statements name no Principal (the policy's holder
 * is the principal): IAM's policy simulator passes `identityPolicy` to skip that test.
 */
export function statementApplies(s: Statement, req: PolicyRequest, identityPolicy = false): boolean {
  if (!identityPolicy) {
    if (s.Principal !== undefined && !principalMatches(s.Principal, req.principal)) return false;
    if (s.NotPrincipal !== undefined && principalMatches(s.NotPrincipal, req.principal)) return false;
    if (s.Principal === undefined && s.NotPrincipal === undefined) return false;
  }
  if (s.Action !== undefined && !actionMatches(list(s.Action), req.action)) return false;
  if (s.NotAction !== undefined && actionMatches(list(s.NotAction), req.action)) return false;
  if (s.Resource !== undefined && !resourceMatches(list(s.Resource), req.resource)) return false;
  if (s.NotResource !== undefined && resourceMatches(list(s.NotResource), req.resource)) return false;
  for (const [operator, block] of Object.entries(s.Condition ?? {})) {
    for (const [key, expected] of Object.entries(block ?? {})) {
      if (!conditionHolds(operator, key, expected, req.context)) return false;
    }
  }
  return true;
}

/** Evaluates a policy document (JSON text or parsed) for one request. Malformed policies allow nothing. */
export function evaluatePolicy(policy: string | object | undefined, req: PolicyRequest): PolicyDecision {
  if (!policy) return 'ImplicitDeny';
  let doc: { Statement?: OneOrMany<Statement> };
  try {
    doc = typeof policy === 'string' ? JSON.parse(policy) : (policy as typeof doc);
  } catch {
    return 'ImplicitDeny';
  }
  let allowed = false;
  for (const s of list(doc?.Statement)) {
    if (!s || typeof s !== 'object' || !statementApplies(s, req)) continue;
    if (String(s.Effect).toLowerCase() === 'deny') return 'Deny';
    if (String(s.Effect).toLowerCase() === 'allow') allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

export const isAllowed = (policy: string | object | undefined, req: PolicyRequest): boolean =>
  evaluatePolicy(policy, req) === 'Allow';

/**
 * Services that deliver with a role the customer gives them (identity-based permissions), so in strict mode a
 * destination's resource policy is not asked: Lambda (DLQs, destinations), EventBridge Scheduler, EventBridge Pipes.
 */
export const ROLE_BASED_PRINCIPALS: readonly string[] = ['lambda.amazonaws.com', 'scheduler.amazonaws.com', 'pipes.amazonaws.com'];
