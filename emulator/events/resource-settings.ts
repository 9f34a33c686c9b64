import { AwsError, constraintViolation } from '../core/errors';
import { mergedTags, type Tag } from '../core/tags';

/**
 * What EventBridge keeps beside a bus or a rule that routing never reads: tags (Terraform reads them on every
 * plan) and a bus's resource policy (PutPermission / RemovePermission, shown by DescribeEventBus as `Policy`).
 */
/** Tags after TagResource, with EventBridge's limits (keys 1–128, values up to 256 characters, 50 tags). */
export function mergeTags(tags: Tag[] | undefined, added: Tag[] | undefined): Tag[] {
  for (const t of added ?? []) {
    if (t.Key === undefined) throw constraintViolation('ValidationException', 'tags.member.key', undefined, 'Member must not be null');
    if (t.Key.length < 1 || t.Key.length > 128) throw constraintViolation('ValidationException', 'tags.member.key', t.Key, 'Member must have length between 1 and 128');
    if ((t.Value ?? '').length > 256) throw constraintViolation('ValidationException', 'tags.member.value', t.Value, 'Member must have length less than or equal to 256');
  }
  const merged = mergedTags(tags, added);
  if (merged.length > 50) throw new AwsError('LimitExceededException', 'The request failed because it would cause you to exceed the maximum number of tags (50) for the resource.', 400);
  return merged;
}

/** One statement of a bus policy, as PutPermission writes it. */
export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}
export interface BusPolicy {
  Version: string;
  Statement: PolicyStatement[];
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The policy after one PutPermission: either a whole `Policy` document, or one statement (Action, Principal,
 * StatementId, optional Condition) added to the policy, replacing the statement with the same Sid.
 */
export function putPermission(current: BusPolicy | undefined, input: any, busArn: string): BusPolicy {
  if (input.Policy !== undefined) {
    if (input.StatementId !== undefined || input.Action !== undefined || input.Principal !== undefined || input.Condition !== undefined) {
      throw new AwsError('ValidationException', 'Parameter Policy cannot be combined with Action, Principal, StatementId or Condition.', 400);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(input.Policy);
    } catch {
      throw new AwsError('ValidationException', 'Policy is not valid JSON.', 400);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray((doc as BusPolicy).Statement)) {
      throw new AwsError('ValidationException', 'Policy must be a JSON object with a Statement list.', 400);
    }
    return doc as BusPolicy;
  }
  if (input.StatementId === undefined) throw constraintViolation('ValidationException', 'statementId', undefined, 'Member must not be null');
  if (input.Action === undefined) throw constraintViolation('ValidationException', 'action', undefined, 'Member must not be null');
  if (input.Principal === undefined) throw constraintViolation('ValidationException', 'principal', undefined, 'Member must not be null');
  if (!/^[a-zA-Z0-9-_]{1,64}$/.test(input.StatementId)) {
    throw constraintViolation('ValidationException', 'statementId', input.StatementId, 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+');
  }
  if (input.Action !== 'events:PutEvents') throw new AwsError('ValidationException', `Provided value in parameter 'action' is not supported.`, 400);
  if (input.Principal !== '*' && !ACCOUNT_ID.test(input.Principal)) {
    throw constraintViolation('ValidationException', 'principal', input.Principal, 'Member must satisfy regular expression pattern: (\\d{12}|\\*)');
  }
  const statement: PolicyStatement = {
    Sid: input.StatementId,
    Effect: 'Allow',
    Principal: input.Principal === '*' ? '*' : { AWS: `arn:aws:iam::${input.Principal}:root` },
    Action: 'events:PutEvents',
    Resource: busArn,
  };
  if (input.Condition) {
    const { Type, Key, Value } = input.Condition;
    if (Type === undefined || Key === undefined || Value === undefined) throw new AwsError('ValidationException', 'Condition requires Type, Key and Value.', 400);
    statement.Condition = { [Type]: { [Key]: Value } };
  }
  const others = (current?.Statement ?? []).filter((s) => s.Sid !== input.StatementId);
  return { Version: current?.Version ?? '2012-10-17', Statement: [...others, statement] };
}

/** The policy after one RemovePermission; undefined when nothing is left. */
export function removePermission(current: BusPolicy | undefined, input: any): BusPolicy | undefined {
  if (input.RemoveAllPermissions) return undefined;
  if (input.StatementId === undefined) throw new AwsError('ValidationException', 'Parameter StatementId is required unless RemoveAllPermissions is true.', 400);
  if (!current) throw new AwsError('ResourceNotFoundException', 'EventBus does not have a policy.', 400);
  if (!current.Statement.some((s) => s.Sid === input.StatementId)) throw new AwsError('ResourceNotFoundException', 'Statement with the provided id does not exist.', 400);
  const left = current.Statement.filter((s) => s.Sid !== input.StatementId);
  return left.length ? { ...current, Statement: left } : undefined;
}
