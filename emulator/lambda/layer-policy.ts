import type {
  AddLayerVersionPermissionCommandInput,
  AddLayerVersionPermissionCommandOutput,
  GetLayerVersionPolicyCommandInput,
  GetLayerVersionPolicyCommandOutput,
  RemoveLayerVersionPermissionCommandInput,
} from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { withMeta } from '../core/service';
import { checkVersionNumber, type Layers } from './layers';
import { parseLayerName, validation } from './names';
import type { LayerPolicyStatement, LayerVersion, Out } from './state';

const STATEMENT_ID = /^[a-zA-Z0-9-_]+$/;
const PRINCIPAL = /^(\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

const notFound = (message: string) => new AwsError('ResourceNotFoundException', message, 404, { Type: 'User' });

function checkRevision(v: LayerVersion, revisionId: string | undefined): void {
  if (revisionId && revisionId !== v.policyRevisionId) {
    throw new AwsError(
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id',
      412,
      { Type: 'User' },
    );
  }
}

/** An account id is written as its root ARN, as Lambda writes it; `*` stays. */
const principalOf = (p: string): LayerPolicyStatement['Principal'] => (p === '*' ? '*' : { AWS: p.startsWith('arn:') ? p : `arn:aws:iam::${p}:root` });

/** AddLayerVersionPermission / RemoveLayerVersionPermission / GetLayerVersionPolicy: a policy per layer version. */
export class LayerPolicies {
  constructor(private readonly layers: Layers) {}

  /** The version a permission request names; Lambda says which one is missing. */
  private target(layerName: string | undefined, versionNumber: number | undefined, ctx: RequestContext): LayerVersion {
    const ref = parseLayerName(layerName, ctx);
    const n = checkVersionNumber(versionNumber);
    const v = this.layers.version(ref, n);
    if (!v) throw notFound(`Layer version ${ref.arn}:${n} does not exist.`);
    return v;
  }

  add(input: AddLayerVersionPermissionCommandInput, ctx: RequestContext) {
    const sid = input.StatementId ?? '';
    if (!STATEMENT_ID.test(sid) || sid.length > 100) {
      throw validation('statementId', input.StatementId, sid.length > 100 ? 'Member must have length less than or equal to 100' : 'Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)');
    }
    if (input.Action !== 'lambda:GetLayerVersion') throw validation('action', input.Action, 'Member must satisfy regular expression pattern: lambda:GetLayerVersion');
    if (!input.Principal || !PRINCIPAL.test(input.Principal)) {
      throw validation('principal', input.Principal, 'Member must satisfy regular expression pattern: \\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root');
    }
    if (input.OrganizationId !== undefined && !ORGANIZATION_ID.test(input.OrganizationId)) {
      throw validation('organizationId', input.OrganizationId, 'Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}');
    }
    const v = this.target(input.LayerName, input.VersionNumber, ctx);
    if (v.policy.some((s) => s.Sid === sid)) {
      throw new AwsError(
        'ResourceConflictException',
        `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        409,
        { Type: 'User' },
      );
    }
    checkRevision(v, input.RevisionId);
    const statement: LayerPolicyStatement = {
      Sid: sid,
      Effect: 'Allow',
      Principal: principalOf(input.Principal),
      Action: input.Action,
      Resource: v.arn,
      ...(input.OrganizationId ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': input.OrganizationId } } } : {}),
    };
    v.policy.push(statement);
    v.policyRevisionId = uuid();
    const out: Out<AddLayerVersionPermissionCommandOutput> = { Statement: JSON.stringify(statement), RevisionId: v.policyRevisionId };
    return withMeta(out, { status: 201 });
  }

  remove(input: RemoveLayerVersionPermissionCommandInput, ctx: RequestContext) {
    const v = this.target(input.LayerName, input.VersionNumber, ctx);
    checkRevision(v, input.RevisionId);
    const i = v.policy.findIndex((s) => s.Sid === input.StatementId);
    if (i < 0) throw notFound(`Statement ${input.StatementId} is not found in resource policy.`);
    v.policy.splice(i, 1);
    v.policyRevisionId = uuid();
    return withMeta({}, { status: 204 });
  }

  get(input: GetLayerVersionPolicyCommandInput, ctx: RequestContext): Out<GetLayerVersionPolicyCommandOutput> {
    const v = this.target(input.LayerName, input.VersionNumber, ctx);
    if (v.policy.length === 0) throw notFound('No policy is associated with the given resource.');
    return { Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: v.policy }), RevisionId: v.policyRevisionId };
  }
}
