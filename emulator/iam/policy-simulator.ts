import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { getGroup, getRole, getUser, type IamState, type ManagedPolicy } from './model';
import { page } from './paging';
import { contextKeys, contextOf, readPolicy, requireActions, simulate, type PolicySourceType, type SimulatedPolicy } from './simulation';

const ENTITY_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(user|group|role)\/(?:.*\/)?([^/]+)$/;

/** Policies given in the request: `PolicyInputList.1`, … as IAM names them in MatchedStatements. */
const inputPolicies = (docs: string[] | undefined, listName: string): SimulatedPolicy[] =>
  (docs ?? []).map((doc, i) => readPolicy(`${listName}.${i + 1}`, undefined, doc));

/**
 * The IAM policy simulator over the emulator's own users, groups and roles: their inline policies and attached
 * customer managed policies (default version) are evaluated. AWS managed policies are not catalogued here, so their
 * documents are unknown: they are left out of a simulation (an action only they allow shows as implicitDeny), and a
 * permissions boundary that is an AWS managed policy bounds nothing.
 */
export function policySimulatorOperations(state: IamState) {
  /** A customer managed policy's default version, or undefined for a policy not catalogued (AWS managed). */
  const managedDocument = (arn: string): string | undefined => {
    // Policies saved before versions were kept have a single Document (see policies.ts).
    const p = state.policies.get(arn) as (ManagedPolicy & { Document?: string }) | undefined;
    if (!p) return undefined;
    return p.versions?.find((v) => v.VersionId === p.DefaultVersionId)?.Document ?? p.Document;
  };

  const holderPolicies = (holder: { inline: Map<string, string>; attached: Map<string, string> }, inlineType: PolicySourceType): SimulatedPolicy[] => {
    const inline = [...holder.inline].map(([name, doc]) => readPolicy(name, inlineType, doc));
    const attached = [...holder.attached].flatMap(([arn, name]) => {
      const doc = managedDocument(arn);
      return doc === undefined ? [] : [readPolicy(name, 'user-managed', doc)];
    });
    return [...inline, ...attached];
  };

  /** The identity policies and permissions boundary of the user, group or role an ARN names. */
  const principalPolicies = (arn: string | undefined): { identity: SimulatedPolicy[]; boundary?: SimulatedPolicy[] } => {
    if (arn === undefined) throw constraintViolation('ValidationError', 'policySourceArn', arn, 'Member must not be null');
    const match = ENTITY_ARN.exec(arn);
    if (!match) throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`, 400);
    const [, kind, name] = match;
    const boundaryOf = (boundaryArn: string | undefined) => {
      const doc = boundaryArn === undefined ? undefined : managedDocument(boundaryArn);
      return doc === undefined ? undefined : [readPolicy(boundaryArn!.split('/').pop()!, 'user-managed', doc)];
    };
    if (kind === 'role') {
      const role = getRole(state, name);
      return { identity: holderPolicies(role, 'role'), boundary: boundaryOf(role.permissionsBoundary) };
    }
    if (kind === 'group') return { identity: holderPolicies(getGroup(state, name), 'group') };
    const user = getUser(state, name);
    const groups = [...state.groups.values()].filter((g) => g.members.has(user.UserId));
    return { identity: [...holderPolicies(user, 'user'), ...groups.flatMap((g) => holderPolicies(g, 'group'))], boundary: boundaryOf(user.permissionsBoundary) };
  };

  const run = (input: any, identity: SimulatedPolicy[], boundary: SimulatedPolicy[] | undefined, callerArn: string) => {
    const results = simulate({
      identity,
      boundary,
      resourcePolicy: input.ResourcePolicy === undefined ? undefined : readPolicy('ResourcePolicy', 'resource', input.ResourcePolicy, 'resourcePolicy'),
      callerArn,
      actions: requireActions(input.ActionNames),
      resources: input.ResourceArns?.length ? input.ResourceArns : ['*'],
      context: contextOf(input.ContextEntries),
    });
    const { items, ...rest } = page(results, input);
    return { EvaluationResults: items, ...rest };
  };

  /**
   * Who the resource policy's Principal is matched against: CallerArn (an IAM user's ARN), else the simulated user.
   * AWS requires one when a ResourcePolicy is given; without a resource policy it matters to nothing.
   */
  const callerArn = (input: any, sourceUser: string | undefined, ctx: RequestContext): string => {
    const caller: string | undefined = input.CallerArn ?? sourceUser;
    if (input.CallerArn !== undefined && ENTITY_ARN.exec(input.CallerArn)?.[1] !== 'user') {
      throw new AwsError('InvalidInput', `CallerArn ${input.CallerArn} is not the ARN of an IAM user.`, 400);
    }
    if (caller === undefined && input.ResourcePolicy !== undefined) {
      throw new AwsError('InvalidInput', 'CallerArn is required when a ResourcePolicy is given, so its Principal has a value to match.', 400);
    }
    return caller ?? `arn:aws:iam::${ctx.accountId}:root`;
  };

  const boundaryInput = (input: any) =>
    input.PermissionsBoundaryPolicyInputList?.length ? inputPolicies(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList') : undefined;

  return {
    SimulateCustomPolicy(input: any, ctx: RequestContext) {
      if (input.PolicyInputList === undefined) throw constraintViolation('ValidationError', 'policyInputList', undefined, 'Member must not be null');
      return run(input, inputPolicies(input.PolicyInputList, 'PolicyInputList'), boundaryInput(input), callerArn(input, undefined, ctx));
    },
    /** The entity's own policies plus any PolicyInputList; PermissionsBoundaryPolicyInputList replaces its boundary. */
    SimulatePrincipalPolicy(input: any, ctx: RequestContext) {
      const { identity, boundary } = principalPolicies(input.PolicySourceArn);
      const policies = [...identity, ...inputPolicies(input.PolicyInputList, 'PolicyInputList')];
      const sourceUser = ENTITY_ARN.exec(input.PolicySourceArn)?.[1] === 'user' ? input.PolicySourceArn : undefined;
      return run(input, policies, boundaryInput(input) ?? boundary, callerArn(input, sourceUser, ctx));
    },
    GetContextKeysForCustomPolicy(input: any) {
      if (input.PolicyInputList === undefined) throw constraintViolation('ValidationError', 'policyInputList', undefined, 'Member must not be null');
      return { ContextKeyNames: contextKeys(inputPolicies(input.PolicyInputList, 'PolicyInputList')) };
    },
    GetContextKeysForPrincipalPolicy(input: any) {
      const { identity } = principalPolicies(input.PolicySourceArn);
      return { ContextKeyNames: contextKeys([...identity, ...inputPolicies(input.PolicyInputList, 'PolicyInputList')]) };
    },
  };
}
