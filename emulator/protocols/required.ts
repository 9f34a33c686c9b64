import { NormalizedSchema } from '@smithy/core/schema';
import { AwsError } from '../core/errors';
import { requiredMembers, type Schema } from './model';

/**
 * Required-member validation, as AWS's request layer does it before a service sees the request: a member the
 * model marks required that is absent (or null) is refused with a 400, so a provider never stores a resource
 * without a name. The SDK v3 clients do not check required members themselves, so the emulator must.
 */

/** One step of the path to a missing member: a structure member, a list position (0-based) or a map key. */
type Step = MemberStep | { index: number } | { key: string };
type MemberStep = { member: string; wire: string; list: boolean };

/**
 * What to check in a value of one shape, compiled once per shape (every request of an operation walks the same
 * plan): only members that are required or can hold a required member further down. Undefined: nothing to check.
 */
type Plan = StructPlan | { kind: 'list' | 'map'; item: Plan };
interface StructPlan {
  kind: 'struct';
  members: { name: string; step: MemberStep; required: boolean; inner: Plan | undefined }[];
}

const structPlans = new WeakMap<object, StructPlan | null>();

function planFor(schema: Schema): Plan | undefined {
  const ns = NormalizedSchema.of(schema);
  if (ns.isDocumentSchema()) return undefined;
  if (ns.isListSchema() || ns.isMapSchema()) {
    const item = planFor(ns.getValueSchema());
    return item && { kind: ns.isListSchema() ? 'list' : 'map', item };
  }
  if (!ns.isStructSchema()) return undefined;
  const key = ns.getSchema() as object;
  const known = structPlans.get(key);
  if (known !== undefined) return known ?? undefined;
  // Registered before its members are planned, so a recursive shape refers to this plan instead of looping.
  const plan: StructPlan = { kind: 'struct', members: [] };
  structPlans.set(key, plan);
  const required = requiredMembers(key);
  for (const [name, member] of ns.structIterator()) {
    const inner = planFor(member);
    if (!required.has(name) && !inner) continue;
    const step = { member: name, wire: member.getMergedTraits().xmlName ?? name, list: member.isListSchema() };
    plan.members.push({ name, step, required: required.has(name), inner });
  }
  if (plan.members.length > 0) return plan;
  structPlans.set(key, null);
  return undefined;
}

/** Adds to `out` the path of every missing required member of `value`, nested ones included, in model order. */
function collectMissing(plan: Plan, value: unknown, path: Step[], out: Step[][]): void {
  if (value === undefined || value === null || typeof value !== 'object') return;
  if (plan.kind === 'struct') {
    const record = value as Record<string, unknown>;
    for (const m of plan.members) {
      const v = record[m.name];
      path.push(m.step);
      if (v === undefined || v === null) {
        if (m.required) out.push([...path]);
      } else if (m.inner) collectMissing(m.inner, v, path, out);
      path.pop();
    }
  } else if (plan.kind === 'list') {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length; i++) {
      path.push({ index: i });
      collectMissing(plan.item, value[i], path, out);
      path.pop();
    }
  } else {
    for (const [k, v] of Object.entries(value)) {
      path.push({ key: k });
      collectMissing(plan.item, v, path, out);
      path.pop();
    }
  }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The Coral path (JSON and Query services alike): `logEvents.1.member.timestamp`, `messageAttributes.a.member.dataType`. */
function coralPath(path: Step[]): string {
  return path
    .map((s) => ('member' in s ? lowerFirst(s.member) : 'index' in s ? `${s.index + 1}.member` : `${s.key}.member`))
    .join('.');
}

/** The Query form path CloudWatch names a parameter by: `MetricData.member.1.Dimensions.member.1.Value`. */
function formPath(path: Step[]): string {
  return path.map((s) => ('member' in s ? s.wire : 'index' in s ? `member.${s.index + 1}` : s.key)).join('.');
}

/** AWS's constraint-violation text for missing members: `N validation error(s) detected: Value null at '…' …`. */
function coral(code: string) {
  return (paths: Step[][]): AwsError => {
    const parts = paths.map((p) => `Value null at '${coralPath(p)}' failed to satisfy constraint: Member must not be null`);
    const count = `${parts.length} validation error${parts.length === 1 ? '' : 's'} detected`;
    return new AwsError(code, `${count}: ${parts.join('; ')}`, 400);
  };
}

/** How each service words a missing member (by the namespace of its model). */
const STYLES: Record<string, (paths: Step[][]) => AwsError | undefined> = {
  // CloudWatch Logs answers constraint violations as InvalidParameterException.
  'com.amazonaws.cloudwatchlogs': coral('InvalidParameterException'),
  // IAM and STS (Query services) answer ValidationError.
  'com.amazonaws.iam': coral('ValidationError'),
  'com.amazonaws.sts': coral('ValidationError'),
  // CloudWatch names the missing form parameter, one line each (MissingParameter on the wire).
  'com.amazonaws.cloudwatch': (paths) =>
    new AwsError('MissingRequiredParameterException', paths.map((p) => `The parameter ${formPath(p)} is required.`).join('\n'), 400),
  // SQS names the first missing top-level parameter, as its own checks did; entries of a batch are left to them.
  'com.amazonaws.sqs': (paths) => {
    const top = paths.find(isTopLevelScalar);
    return top && new AwsError('MissingParameter', `The request must contain the parameter ${formPath(top)}.`, 400);
  },
  // SNS words a missing top-level parameter as its own checks always did (`Invalid parameter: TopicArn Reason: no
  // value for required parameter`, as for Publish); a nested one the Coral way (as for a message attribute's type).
  'com.amazonaws.sns': (paths) => {
    const top = paths.find(isTopLevelScalar);
    if (top) return new AwsError('InvalidParameter', `Invalid parameter: ${formPath(top)} Reason: no value for required parameter`, 400);
    const nested = paths.filter((p) => p.length > 1);
    return nested.length ? coral('ValidationError')(nested) : undefined;
  },
};

/**
 * A missing top-level member that is not a list. SQS and SNS answer a missing batch (or a missing list of account
 * ids, tag keys…) as an empty one — over the Query protocol the two look alike — so that stays with their checks.
 */
const isTopLevelScalar = (path: Step[]): boolean => path.length === 1 && 'member' in path[0]! && !path[0].list;

/**
 * The service's own error when a required member is missing (EventBridge, SSM, Secrets Manager, Lambda… answer
 * ValidationException). Returned, not thrown: the server throws it once it knows the operation is implemented,
 * so an unimplemented operation still answers NotImplemented.
 */
export function requiredMemberError(namespace: string, schema: Schema, input: unknown): AwsError | undefined {
  const plan = planFor(schema);
  if (!plan) return undefined;
  const paths: Step[][] = [];
  collectMissing(plan, input, [], paths);
  return paths.length === 0 ? undefined : (STYLES[namespace] ?? coral('ValidationException'))(paths);
}
