import { constraintViolation } from '../core/errors';
import { statementApplies, type PolicyRequest, type Statement } from '../core/resource-policy';
import { statementSpans, type StatementSpan } from './statement-positions';
import { checkPolicyDocument } from './validation';

/** IAM's PolicySourceType; policies given in the request (PolicyInputList) have none. */
export type PolicySourceType = 'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none';

/** A policy the simulator reads: where it comes from, and its statements with their place in the text. */
export interface SimulatedPolicy {
  id: string;
  type?: PolicySourceType;
  statements: { statement: Statement; span?: StatementSpan }[];
}

export interface Simulation {
  /** The principal's identity policies (or the PolicyInputList of SimulateCustomPolicy). */
  identity: SimulatedPolicy[];
  /** Permissions boundary policies: when present, an action must be allowed by one of them too. */
  boundary?: SimulatedPolicy[];
  resourcePolicy?: SimulatedPolicy;
  /** Who calls, as the resource policy's Principal is matched against it. */
  callerArn: string;
  actions: string[];
  resources: string[];
  context: Record<string, string[]>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A policy document's statements with their spans in the text (a statement that is not an object has none). */
export function readPolicy(id: string, type: PolicySourceType | undefined, text: string, field = 'policyInputList.member'): SimulatedPolicy {
  checkPolicyDocument(field, text);
  const doc = JSON.parse(text) as { Statement?: Statement | Statement[] };
  const spans = statementSpans(text);
  const statements = list(doc.Statement)
    .filter((s) => s !== null && typeof s === 'object' && !Array.isArray(s))
    .map((statement, i) => ({ statement, span: spans[i] }));
  return { id, type, statements };
}

/** The simulator's ContextEntries as condition keys → values (a key given twice keeps both lists). */
export function contextOf(entries: { ContextKeyName?: string; ContextKeyValues?: string[] }[] | undefined): Record<string, string[]> {
  const context: Record<string, string[]> = {};
  for (const e of entries ?? []) {
    if (e.ContextKeyName === undefined) continue;
    context[e.ContextKeyName] = [...(context[e.ContextKeyName] ?? []), ...(e.ContextKeyValues ?? [])];
  }
  return context;
}

const hasKey = (context: Record<string, string[]>, key: string) => Object.keys(context).some((k) => k.toLowerCase() === key.toLowerCase());

/**
 * Policy variables: `${aws:username}` in a Resource or a condition's value is replaced by the context's value (left
 * as is, so matching nothing, when the context has none or several); `${*}`, `${?}`, `${$}` are the literal characters.
 */
function withVariables(statement: Statement, context: Record<string, string[]>): Statement {
  const substitute = (pattern: string) =>
    pattern.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
      if (key === '*' || key === '?' || key === '$') return key;
      const found = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      return found?.length === 1 ? found[0]! : whole;
    });
  const resources = (v: Statement['Resource']) => (v === undefined ? undefined : list(v).map(substitute));
  type Value = string | number | boolean;
  const one = (x: Value) => (typeof x === 'string' ? substitute(x) : x);
  const values = (v: Value | Value[]) => (Array.isArray(v) ? v.map(one) : one(v));
  const condition: Statement['Condition'] = statement.Condition
    ? Object.fromEntries(Object.entries(statement.Condition).map(([operator, block]) => [operator, Object.fromEntries(Object.entries(block ?? {}).map(([k, v]) => [k, values(v)]))]))
    : undefined;
  return { ...statement, Resource: resources(statement.Resource), NotResource: resources(statement.NotResource), Condition: condition };
}

interface Match {
  policy: SimulatedPolicy;
  span?: StatementSpan;
  effect: 'allow' | 'deny';
}

/** The statements of some policies that apply to one request, and the condition keys they wanted but were not given. */
function matches(policies: SimulatedPolicy[], req: PolicyRequest, identityPolicy: boolean, missing: Set<string>): Match[] {
  const found: Match[] = [];
  const context = req.context as Record<string, string[]>;
  for (const policy of policies) {
    for (const { statement, span } of policy.statements) {
      const s = withVariables(statement, context);
      if (!statementApplies({ ...s, Condition: undefined }, req, identityPolicy)) continue;
      for (const block of Object.values(s.Condition ?? {})) {
        for (const key of Object.keys(block ?? {})) if (!hasKey(context, key)) missing.add(key);
      }
      if (!statementApplies(s, req, identityPolicy)) continue;
      const effect = String(s.Effect).toLowerCase();
      if (effect === 'allow' || effect === 'deny') found.push({ policy, span, effect });
    }
  }
  return found;
}

const matchedView = (m: Match) => ({ SourcePolicyId: m.policy.id, SourcePolicyType: m.policy.type, StartPosition: m.span?.StartPosition, EndPosition: m.span?.EndPosition });

/**
 * IAM's policy evaluation for each action on each resource: an explicit Deny in any policy wins; otherwise an Allow
 * in an identity policy (within the permissions boundary, when there is one) or in the resource policy allows;
 * otherwise the action is implicitly denied. MatchedStatements are the deciding statements (none for an implicit deny).
 */
export function simulate(sim: Simulation) {
  const results = [];
  for (const action of sim.actions) {
    for (const resource of sim.resources) {
      const req: PolicyRequest = { principal: sim.callerArn, action, resource, context: sim.context };
      const missing = new Set<string>();
      const identity = matches(sim.identity, req, true, missing);
      const boundary = sim.boundary ? matches(sim.boundary, req, true, missing) : undefined;
      const onResource = sim.resourcePolicy ? matches([sim.resourcePolicy], req, false, missing) : [];
      const all = [...identity, ...(boundary ?? []), ...onResource];
      const denies = all.filter((m) => m.effect === 'deny');
      const withinBoundary = boundary === undefined || boundary.some((m) => m.effect === 'allow');
      const allows = [...(withinBoundary ? identity : []), ...onResource].filter((m) => m.effect === 'allow');
      const decision = denies.length ? 'explicitDeny' : allows.length ? 'allowed' : 'implicitDeny';
      const deciding = decision === 'explicitDeny' ? denies : decision === 'allowed' ? allows : [];
      results.push({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: decision,
        MatchedStatements: deciding.map(matchedView),
        MissingContextValues: [...missing],
        PermissionsBoundaryDecisionDetail: boundary === undefined ? undefined : { AllowedByPermissionsBoundary: withinBoundary && !boundary.some((m) => m.effect === 'deny') },
      });
    }
  }
  return results;
}

export function requireActions(actions: string[] | undefined): string[] {
  if (actions === undefined) throw constraintViolation('ValidationError', 'actionNames', actions, 'Member must not be null');
  return actions;
}

/** The condition keys policies use, each once (first spelling kept), with the policy variables of their resources. */
export function contextKeys(policies: SimulatedPolicy[]): string[] {
  const keys = new Map<string, string>();
  const add = (key: string) => {
    if (!keys.has(key.toLowerCase())) keys.set(key.toLowerCase(), key);
  };
  for (const { statements } of policies) {
    for (const { statement } of statements) {
      for (const block of Object.values(statement.Condition ?? {})) for (const key of Object.keys(block ?? {})) add(key);
      for (const pattern of [...list(statement.Resource), ...list(statement.NotResource)]) {
        for (const [, key] of String(pattern).matchAll(/\$\{([^}]+)\}/g)) if (!['*', '?', '$'].includes(key!)) add(key!);
      }
    }
  }
  return [...keys.values()];
}
