import type * as SM from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../core/errors';
import { lengthIn, required } from './errors';
import type { SecretStore } from './secrets';

/** Resource policies: stored as given (JSON), never enforced. */

const malformed = () => new AwsError('MalformedPolicyDocumentException', 'This resource policy contains a syntax error.', 400);

function parsePolicy(text: string): Record<string, unknown> {
  lengthIn(text, 'resourcePolicy', 1, 20480);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed();
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed();
  return doc as Record<string, unknown>;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** An Allow to everyone without conditions: what BlockPublicPolicy refuses. */
function grantsPublicAccess(doc: Record<string, unknown>): boolean {
  return list(doc.Statement).some((st) => {
    const s = st as Record<string, unknown>;
    if (s.Effect !== 'Allow' || s.Condition !== undefined) return false;
    const p = s.Principal as unknown;
    return p === '*' || (typeof p === 'object' && p !== null && list((p as Record<string, unknown>).AWS).includes('*'));
  });
}

/** Syntax checks ValidateResourcePolicy reports (AWS runs IAM Access Analyzer; these are the basic ones). */
function validationErrors(doc: Record<string, unknown>): SM.ValidationErrorsEntry[] {
  const errors: SM.ValidationErrorsEntry[] = [];
  const statements = list(doc.Statement);
  if (statements.length === 0) errors.push({ CheckName: 'SYNTAX_CHECK', ErrorMessage: 'The policy document must contain at least one Statement.' });
  for (const st of statements) {
    const s = st as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) errors.push({ CheckName: 'SYNTAX_CHECK', ErrorMessage: 'Each Statement must be an object.' });
    else if (s.Effect !== 'Allow' && s.Effect !== 'Deny') errors.push({ CheckName: 'SYNTAX_CHECK', ErrorMessage: 'Effect must be Allow or Deny.' });
    else if (s.Action === undefined && s.NotAction === undefined) errors.push({ CheckName: 'SYNTAX_CHECK', ErrorMessage: 'Each Statement must contain Action or NotAction.' });
  }
  return errors;
}

export function policyOperations(store: SecretStore) {
  return {
    PutResourcePolicy(input: SM.PutResourcePolicyCommandInput): SM.PutResourcePolicyResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      const text = required(input.ResourcePolicy, 'resourcePolicy');
      const doc = parsePolicy(text);
      if (input.BlockPublicPolicy && grantsPublicAccess(doc)) {
        throw new AwsError('PublicPolicyException', 'The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.', 400);
      }
      s.policy = text;
      store.changed(s);
      return { ARN: s.arn, Name: s.name };
    },

    GetResourcePolicy(input: SM.GetResourcePolicyCommandInput): SM.GetResourcePolicyResponse {
      const s = store.get(required(input.SecretId, 'secretId'), { allowDeleted: true });
      return { ARN: s.arn, Name: s.name, ...(s.policy !== undefined ? { ResourcePolicy: s.policy } : {}) };
    },

    DeleteResourcePolicy(input: SM.DeleteResourcePolicyCommandInput): SM.DeleteResourcePolicyResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      s.policy = undefined;
      store.changed(s);
      return { ARN: s.arn, Name: s.name };
    },

    ValidateResourcePolicy(input: SM.ValidateResourcePolicyCommandInput): SM.ValidateResourcePolicyResponse {
      if (input.SecretId !== undefined) store.get(input.SecretId);
      const errors = validationErrors(parsePolicy(required(input.ResourcePolicy, 'resourcePolicy')));
      return { PolicyValidationPassed: errors.length === 0, ValidationErrors: errors };
    },
  };
}
