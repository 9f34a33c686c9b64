import { AwsError } from '../core/errors';
import { checkAttachable, noSuchEntity, type IamState } from './model';
import { page } from './paging';
import { checkName, checkPolicyArn, checkPolicyDocument } from './validation';

/** What users and groups share: inline policies by name, managed policies attached by ARN. */
interface PolicyHolder {
  attached: Map<string, string>;
  inline: Map<string, string>;
}

/** IAM's default quota of managed policies attached to one user or group. */
const ATTACHED_QUOTA = 10;

/**
 * Put/Get/Delete/List<Kind>Policy(ies) and Attach/Detach/ListAttached<Kind>Policies for users and groups, the
 * same operations roles have (roles.ts), named after the kind and keyed by its name member (UserName, GroupName).
 */
export function entityPolicyOperations(state: IamState, kind: 'User' | 'Group', find: (name: string | undefined) => PolicyHolder) {
  const nameKey = `${kind}Name`;
  const lower = kind.toLowerCase();
  const missingInline = (policyName: string) => noSuchEntity(`The ${lower} policy with name ${policyName} cannot be found.`);
  return {
    [`Put${kind}Policy`](input: any) {
      const entity = find(input[nameKey]);
      entity.inline.set(checkName('policyName', input.PolicyName, 128), checkPolicyDocument('policyDocument', input.PolicyDocument));
      return {};
    },
    [`Get${kind}Policy`](input: any) {
      const entity = find(input[nameKey]);
      const doc = entity.inline.get(input.PolicyName);
      if (doc === undefined) throw missingInline(input.PolicyName);
      return { [nameKey]: input[nameKey], PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(doc) };
    },
    [`Delete${kind}Policy`](input: any) {
      if (!find(input[nameKey]).inline.delete(input.PolicyName)) throw missingInline(input.PolicyName);
      return {};
    },
    [`List${kind}Policies`](input: any) {
      const { items, ...rest } = page([...find(input[nameKey]).inline.keys()], input);
      return { PolicyNames: items, ...rest };
    },
    [`Attach${kind}Policy`](input: any) {
      const entity = find(input[nameKey]);
      const arn = checkPolicyArn(input.PolicyArn);
      checkAttachable(state, arn);
      if (!entity.attached.has(arn) && entity.attached.size >= ATTACHED_QUOTA) {
        throw new AwsError('LimitExceeded', `Cannot exceed quota for PoliciesPer${kind}: ${ATTACHED_QUOTA}`, 409);
      }
      entity.attached.set(arn, arn.split('/').pop()!);
      return {};
    },
    [`Detach${kind}Policy`](input: any) {
      if (!find(input[nameKey]).attached.delete(input.PolicyArn)) throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
      return {};
    },
    [`ListAttached${kind}Policies`](input: any) {
      const prefix: string = input.PathPrefix ?? '/';
      const attached = [...find(input[nameKey]).attached]
        .filter(([arn]) => `/${arn.split(':policy/')[1] ?? ''}`.startsWith(prefix))
        .map(([PolicyArn, PolicyName]) => ({ PolicyArn, PolicyName }));
      const { items, ...rest } = page(attached, input);
      return { AttachedPolicies: items, ...rest };
    },
  };
}
