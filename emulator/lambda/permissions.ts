import type {
  AddPermissionCommandInput,
  AddPermissionCommandOutput,
  GetPolicyCommandInput,
  GetPolicyCommandOutput,
  RemovePermissionCommandInput,
} from '@aws-sdk/client-lambda';
import type { Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { isAllowed } from '../core/resource-policy';
import type { Out } from './state';

/** A function, version or alias: each has its own resource policy and revision. */
export interface PolicyHolder {
  policy: PolicyStatement[];
  revisionId: string;
}

/** One statement of a function's resource-based policy, as AddPermission writes it. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: '*' | { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

const STATEMENT_ID = /^([a-zA-Z0-9-_.]+)$/;
const ACTION = /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/;

/** `s3.amazonaws.com` → Service; an account id → its root ARN; an ARN → AWS; `*` stays. */
function principalOf(p: string): PolicyStatement['Principal'] {
  if (p === '*') return '*';
  if (/^\d{12}$/.test(p)) return { AWS: `arn:aws:iam::${p}:root` };
  if (p.startsWith('arn:')) return { AWS: p };
  return { Service: p };
}

/** `resource`: the function ARN as the request named it (with its qualifier, if any). */
export function statementFor(resource: string, input: AddPermissionCommandInput): PolicyStatement {
  const sid = input.StatementId ?? '';
  if (!STATEMENT_ID.test(sid) || sid.length > 100) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)`, 400);
  }
  if (!input.Action || !ACTION.test(input.Action)) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${input.Action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])`, 400);
  }
  if (!input.Principal) throw new AwsError('ValidationException', "1 validation error detected: Value null at 'principal' failed to satisfy constraint: Member must not be null", 400);
  const condition: Record<string, Record<string, string>> = {};
  if (input.SourceAccount) (condition.StringEquals ??= {})['AWS:SourceAccount'] = input.SourceAccount;
  if (input.PrincipalOrgID) (condition.StringEquals ??= {})['aws:PrincipalOrgID'] = input.PrincipalOrgID;
  if (input.EventSourceToken) (condition.StringEquals ??= {})['lambda:EventSourceToken'] = input.EventSourceToken;
  if (input.FunctionUrlAuthType) (condition.StringEquals ??= {})['lambda:FunctionUrlAuthType'] = input.FunctionUrlAuthType;
  if (input.SourceArn) (condition.ArnLike ??= {})['AWS:SourceArn'] = input.SourceArn;
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: principalOf(input.Principal),
    Action: input.Action,
    Resource: resource,
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
}

export function policyDocument(fn: PolicyHolder): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: fn.policy });
}

/** Whether the policy of the function (version, alias) at `resource` lets this origin (S3, SNS, EventBridge…) invoke it. */
export function policyAllows(fn: PolicyHolder, resource: string, origin: Origin): boolean {
  return isAllowed(
    { Statement: fn.policy },
    {
      principal: origin.principal,
      action: 'lambda:InvokeFunction',
      resource,
      context: { 'AWS:SourceArn': origin.sourceArn, 'AWS:SourceAccount': origin.sourceAccount },
    },
  );
}

/** AddPermission / RemovePermission / GetPolicy over a function, version or alias already looked up. */
export const permissionOps = {
  add(fn: PolicyHolder, resource: string, input: AddPermissionCommandInput): Out<AddPermissionCommandOutput> {
    if (input.RevisionId && input.RevisionId !== fn.revisionId) throw revisionMismatch();
    const statement = statementFor(resource, input);
    if (fn.policy.some((s) => s.Sid === statement.Sid)) {
      throw new AwsError(
        'ResourceConflictException',
        `The statement id (${statement.Sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        409,
        { Type: 'User' },
      );
    }
    fn.policy.push(statement);
    fn.revisionId = uuid();
    return { Statement: JSON.stringify(statement) };
  },

  remove(fn: PolicyHolder, input: RemovePermissionCommandInput): void {
    if (input.RevisionId && input.RevisionId !== fn.revisionId) throw revisionMismatch();
    const i = fn.policy.findIndex((s) => s.Sid === input.StatementId);
    if (i < 0) {
      throw new AwsError('ResourceNotFoundException', `Statement ${input.StatementId} is not found in resource policy.`, 404, { Type: 'User' });
    }
    fn.policy.splice(i, 1);
    fn.revisionId = uuid();
  },

  get(fn: PolicyHolder, _input: GetPolicyCommandInput): Out<GetPolicyCommandOutput> {
    if (fn.policy.length === 0) {
      throw new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404, { Type: 'User' });
    }
    return { Policy: policyDocument(fn), RevisionId: fn.revisionId };
  },
};

export function revisionMismatch(): AwsError {
  return new AwsError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    412,
    { Type: 'User' },
  );
}
