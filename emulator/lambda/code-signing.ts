import type * as L from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { randomHex } from '../core/ids';
import { withMeta } from '../core/service';
import type { FunctionStore } from './functions';
import { lambdaTimestamp } from './functions';
import { validation, type Scope } from './names';
import { offsetPage } from './paging';
import { checkRange } from './validation';
import type { CodeSigningConfigRecord, FunctionLayer, LambdaCore, LambdaFunction, Out } from './state';

/**
 * Code signing configurations and the functions that use them. The emulator has no AWS Signer, so no package
 * it receives is signed: a function whose configuration says Warn deploys as on AWS (with a
 * `lambda.code-signing.warn` hop standing for the SignatureValidationErrors metric), one that says Enforce
 * refuses new code and layers with CodeVerificationFailedException, as AWS refuses unsigned code.
 */

const CSC_ARN = /^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}$/;
const CSC_ARN_PATTERN = 'arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}';
const PROFILE_ARN = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
const PROFILE_ARN_PATTERN = 'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const POLICIES = ['Warn', 'Enforce'] as const;

export const codeSigningConfigArn = (s: Scope, id: string): string => `arn:aws:lambda:${s.region}:${s.accountId}:code-signing-config:${id}`;

function checkArn(arn: string | undefined, field = 'codeSigningConfigArn'): string {
  if (arn === undefined) throw validation(field, arn, 'Member must not be null');
  if (arn.length > 200) throw validation(field, arn, 'Member must have length less than or equal to 200');
  if (!CSC_ARN.test(arn)) throw validation(field, arn, `Member must satisfy regular expression pattern: ${CSC_ARN_PATTERN}`);
  return arn;
}

function checkPublishers(p: L.AllowedPublishers | undefined): string[] {
  if (!p) throw validation('allowedPublishers', p, 'Member must not be null');
  const arns = p.SigningProfileVersionArns;
  const field = 'allowedPublishers.signingProfileVersionArns';
  if (!arns) throw validation(field, arns, 'Member must not be null');
  if (arns.length < 1) throw validation(field, arns, 'Member must have length greater than or equal to 1');
  if (arns.length > 20) throw validation(field, arns, 'Member must have length less than or equal to 20');
  for (const a of arns) {
    if (!PROFILE_ARN.test(a)) throw validation(field, arns, `Member must satisfy constraint: [Member must satisfy regular expression pattern: ${PROFILE_ARN_PATTERN}]`);
  }
  return [...arns];
}

function checkPolicy(p: L.CodeSigningPolicies | undefined): CodeSigningConfigRecord['untrustedArtifactOnDeployment'] | undefined {
  const v = p?.UntrustedArtifactOnDeployment;
  if (v === undefined) return undefined;
  if (!(POLICIES as readonly string[]).includes(v)) {
    throw validation('codeSigningPolicies.untrustedArtifactOnDeployment', v, `Member must satisfy enum value set: [${POLICIES.join(', ')}]`);
  }
  return v as CodeSigningConfigRecord['untrustedArtifactOnDeployment'];
}

function checkDescription(d: string | undefined): string | undefined {
  if (d !== undefined && d.length > 256) throw validation('description', d, 'Member must have length less than or equal to 256');
  return d;
}

const configNotFound = (arn: string) =>
  new AwsError('ResourceNotFoundException', `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${arn}.`, 404, { Type: 'User' });

export class CodeSigningConfigs {
  constructor(
    private readonly core: LambdaCore,
    private readonly store: FunctionStore,
  ) {}

  private get configs() {
    return this.core.codeSigningConfigs;
  }

  private render(c: CodeSigningConfigRecord): L.CodeSigningConfig {
    return {
      CodeSigningConfigId: c.id,
      CodeSigningConfigArn: c.arn,
      Description: c.description,
      AllowedPublishers: { SigningProfileVersionArns: [...c.signingProfileVersionArns] },
      CodeSigningPolicies: { UntrustedArtifactOnDeployment: c.untrustedArtifactOnDeployment },
      LastModified: lambdaTimestamp(c.lastModified),
    };
  }

  private find(arn: string | undefined): CodeSigningConfigRecord {
    const c = this.configs.get(checkArn(arn));
    if (!c) throw configNotFound(arn!);
    return c;
  }

  /** The configuration a function is to use (CreateFunction, PutFunctionCodeSigningConfig): it must exist. */
  forFunction(arn: string | undefined): CodeSigningConfigRecord | undefined {
    if (arn === undefined) return undefined;
    const c = this.configs.get(checkArn(arn));
    if (!c) throw new AwsError('CodeSigningConfigNotFoundException', `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${arn}.`, 404, { Type: 'User' });
    return c;
  }

  /**
   * The deployment check: code (and layers) reaching a function with a configuration. Nothing here is
   * signed, so Enforce refuses and Warn lets it through. Layers already on the function are not checked again.
   */
  checkDeployment(functionName: string, configArn: string | undefined, what: { code?: boolean; layers?: FunctionLayer[] }): void {
    const c = configArn ? this.configs.get(configArn) : undefined;
    if (!c || (!what.code && !what.layers?.length)) return;
    const artifact = what.code ? 'code package' : `layer ${what.layers![0]!.arn}`;
    if (c.untrustedArtifactOnDeployment === 'Enforce') {
      throw new AwsError(
        'CodeVerificationFailedException',
        `Lambda cannot deploy the function ${functionName}: the ${artifact} is not signed by a signing profile that code signing configuration ${c.arn} allows, and its policy is Enforce. (The emulator has no AWS Signer: no package it receives is signed.)`,
        400,
        { Type: 'User' },
      );
    }
    this.core.deps.bus.record({ type: 'lambda.code-signing.warn', functionName, codeSigningConfigArn: c.arn, artifact });
  }

  create(input: L.CreateCodeSigningConfigCommandInput, ctx: RequestContext) {
    const profiles = checkPublishers(input.AllowedPublishers);
    const policy = checkPolicy(input.CodeSigningPolicies) ?? 'Warn';
    const description = checkDescription(input.Description) ?? '';
    if (Object.keys(input.Tags ?? {}).length > 50) throw new AwsError('InvalidParameterValueException', 'Number of tags exceeds resource tag limit.', 400, { Type: 'User' });
    const id = `csc-${randomHex(9).slice(0, 17)}`;
    const c: CodeSigningConfigRecord = {
      id,
      arn: codeSigningConfigArn(ctx, id),
      region: ctx.region,
      accountId: ctx.accountId,
      description,
      signingProfileVersionArns: profiles,
      untrustedArtifactOnDeployment: policy,
      lastModified: this.core.deps.clock.now(),
      tags: { ...(input.Tags ?? {}) },
    };
    this.configs.set(c.arn, c);
    return withMeta({ CodeSigningConfig: this.render(c) }, { status: 201 });
  }

  get(input: L.GetCodeSigningConfigCommandInput): Out<L.GetCodeSigningConfigCommandOutput> {
    return { CodeSigningConfig: this.render(this.find(input.CodeSigningConfigArn)) };
  }

  list(input: L.ListCodeSigningConfigsCommandInput, ctx: RequestContext): Out<L.ListCodeSigningConfigsCommandOutput> {
    checkRange('maxItems', input.MaxItems, [1, 10_000]);
    const all = [...this.configs.values()].filter((c) => c.region === ctx.region && c.accountId === ctx.accountId);
    const { page, nextMarker } = offsetPage(all, input.Marker, Math.min(input.MaxItems ?? 50, 50));
    return { CodeSigningConfigs: page.map((c) => this.render(c)), ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }

  update(input: L.UpdateCodeSigningConfigCommandInput): Out<L.UpdateCodeSigningConfigCommandOutput> {
    const c = this.find(input.CodeSigningConfigArn);
    const profiles = input.AllowedPublishers !== undefined ? checkPublishers(input.AllowedPublishers) : undefined;
    const policy = checkPolicy(input.CodeSigningPolicies);
    const description = checkDescription(input.Description);
    if (profiles) c.signingProfileVersionArns = profiles;
    if (policy) c.untrustedArtifactOnDeployment = policy;
    if (description !== undefined) c.description = description;
    c.lastModified = this.core.deps.clock.now();
    return { CodeSigningConfig: this.render(c) };
  }

  /** AWS deletes a configuration only when no function uses it. */
  delete(input: L.DeleteCodeSigningConfigCommandInput) {
    const c = this.find(input.CodeSigningConfigArn);
    const users = this.users(c.arn);
    if (users.length) {
      throw new AwsError('ResourceConflictException', `The code signing configuration ${c.arn} cannot be deleted because it is used by ${users.length} function(s), such as ${users[0]!.name}.`, 409, { Type: 'User' });
    }
    this.configs.delete(c.arn);
    return withMeta({}, { status: 204 });
  }

  private users(arn: string): LambdaFunction[] {
    return [...this.core.functions.values()].filter((f) => f.codeSigningConfigArn === arn);
  }

  listFunctions(input: L.ListFunctionsByCodeSigningConfigCommandInput): Out<L.ListFunctionsByCodeSigningConfigCommandOutput> {
    checkRange('maxItems', input.MaxItems, [1, 10_000]);
    const c = this.find(input.CodeSigningConfigArn);
    const arns = this.users(c.arn).map((f) => f.arn).sort();
    const { page, nextMarker } = offsetPage(arns, input.Marker, Math.min(input.MaxItems ?? 50, 50));
    return { FunctionArns: page, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }

  /** A new configuration applies to the next deployment: the code the function has keeps running, as on AWS. */
  putFunction(input: L.PutFunctionCodeSigningConfigCommandInput, ctx: RequestContext): Out<L.PutFunctionCodeSigningConfigCommandOutput> {
    const c = this.forFunction(checkArn(input.CodeSigningConfigArn))!;
    const fn = this.store.find(input.FunctionName, ctx);
    fn.codeSigningConfigArn = c.arn;
    return { CodeSigningConfigArn: c.arn, FunctionName: fn.name };
  }

  /** A function without a configuration: AWS answers 200 with neither member. */
  getFunction(input: L.GetFunctionCodeSigningConfigCommandInput, ctx: RequestContext): Out<L.GetFunctionCodeSigningConfigCommandOutput> {
    const fn = this.store.find(input.FunctionName, ctx);
    if (!fn.codeSigningConfigArn) return {} as Out<L.GetFunctionCodeSigningConfigCommandOutput>;
    return { CodeSigningConfigArn: fn.codeSigningConfigArn, FunctionName: fn.name };
  }

  deleteFunction(input: L.DeleteFunctionCodeSigningConfigCommandInput, ctx: RequestContext) {
    const fn = this.store.find(input.FunctionName, ctx);
    fn.codeSigningConfigArn = undefined;
    return withMeta({}, { status: 204 });
  }

  /** Tags of a code signing configuration named by TagResource / ListTags / UntagResource. */
  tags(arn: string): Record<string, string> {
    const c = this.configs.get(arn);
    if (!c) throw configNotFound(arn);
    return c.tags;
  }
}
