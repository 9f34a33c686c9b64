import { AwsError } from '../core/errors';
import { isAllowed } from '../core/resource-policy';
import { parseLayerVersionArn, validation, type Scope } from './names';
import type { FunctionLayer, LambdaCore, LayerVersion } from './state';

/** A function's `Layers` (CreateFunction, UpdateFunctionConfiguration): checked and resolved as Lambda does. */

/** Lambda's limits: five layers, and 250 MB for the function's code and its layers together, unzipped. */
export const MAX_LAYERS = 5;
export const MAX_UNZIPPED_WITH_LAYERS = 262_144_000;

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message, 400, { Type: 'User' });

/** Whether a layer version's policy (AddLayerVersionPermission) lets `accountId` use it. */
const layerAllows = (v: LayerVersion, accountId: string): boolean =>
  isAllowed({ Statement: v.policy }, { principal: accountId, action: 'lambda:GetLayerVersion', resource: v.arn });

const LAYERS_CONSTRAINT =
  'Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, ' +
  'Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), ' +
  'Member must not be null]';

/**
 * The layer versions a function names, in its order, each with the content it has now (the function keeps
 * that content if the version is deleted later). Refused as Lambda refuses them: a malformed ARN, more than
 * five, a layer of this account in another region, a version that does not exist, two versions of one layer
 * (the same version twice too). A layer of another account needs a layer policy that lets this account use
 * it; that is checked in strict mode only, like the other resource policies the emulator could enforce.
 */
export function resolveLayers(core: LambdaCore, arns: string[] | undefined, scope: Scope): FunctionLayer[] {
  if (!arns?.length) return [];
  const refs = arns.map((arn) => parseLayerVersionArn(arn ?? ''));
  if (refs.some((r) => !r)) throw validation('layers', `[${arns.join(', ')}]`, LAYERS_CONSTRAINT);
  if (arns.length > MAX_LAYERS) throw invalid(`Cannot reference more than ${MAX_LAYERS} layers.`);
  const seen = new Map<string, string>();
  return refs.map((ref, i) => {
    const named = arns[i]!;
    if (ref!.accountId === scope.accountId && ref!.region !== scope.region) {
      throw invalid(`Layers are not in the same region as the function. Layers are expected to be in region ${scope.region}.`);
    }
    const v = core.layers.get(ref!.arn)?.versions.get(ref!.version);
    if (ref!.accountId !== scope.accountId && core.deps.options.strict && !(v && layerAllows(v, scope.accountId))) {
      throw new AwsError(
        'AccessDeniedException',
        `User: arn:aws:iam::${scope.accountId}:root is not authorized to perform: lambda:GetLayerVersion on resource: ${named} because no resource-based policy allows the lambda:GetLayerVersion action`,
        403,
      );
    }
    if (!v) throw invalid(`Layer version ${named} does not exist.`);
    const earlier = seen.get(ref!.arn);
    if (earlier) {
      throw invalid(`Two different versions of the same layer are not allowed to be referenced in the same function. ${earlier} and ${named} are versions of the same layer.`);
    }
    seen.set(ref!.arn, named);
    return { arn: v.arn, codeSize: v.size, sha256: v.sha256, unzippedSize: v.unzippedSize, zip: v.zip };
  });
}

/** The 250 MB limit on a function's unzipped code and its layers, with AWS's message. */
export function checkUnzippedTotal(codeUnzipped: number | undefined, layers: FunctionLayer[] | undefined): void {
  if (!layers?.length) return;
  const total = (codeUnzipped ?? 0) + layers.reduce((n, l) => n + l.unzippedSize, 0);
  if (total > MAX_UNZIPPED_WITH_LAYERS) {
    throw invalid(`Function code combined with layers exceeds the maximum allowed size of ${MAX_UNZIPPED_WITH_LAYERS} bytes. The actual size is ${total} bytes.`);
  }
}

/** `Layers` of GetFunction / GetFunctionConfiguration: absent when the function has none. */
export const layersOutput = (layers: FunctionLayer[] | undefined) =>
  layers?.length ? { Layers: layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize })) } : {};
