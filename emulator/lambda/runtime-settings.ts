import type {
  GetRuntimeManagementConfigCommandInput,
  GetRuntimeManagementConfigCommandOutput,
  PutRuntimeManagementConfigCommandInput,
  PutRuntimeManagementConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import type { FunctionStore } from './functions';
import { validation } from './names';
import type { Out, RuntimeManagement } from './state';
import { notFound, type Target } from './targets';

/** Runtime management, which infrastructure tools read on every plan: Auto unless Put says otherwise. */

const UPDATE_MODES = ['Auto', 'Manual', 'FunctionUpdate'] as const;
const RUNTIME_VERSION_ARN = /^arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}::runtime:.+$/;

export class RuntimeSettings {
  constructor(private readonly store: FunctionStore) {}

  /** A runtime management configuration belongs to `$LATEST` or a published version, never to an alias. */
  private version(ref: string | undefined, ctx: RequestContext, qualifier?: string): { t: Target; key: string } {
    const t = this.store.resolve(ref, ctx, qualifier);
    if (t.alias) throw notFound(t.arn);
    return { t, key: t.version };
  }

  private render(t: Target, c: RuntimeManagement | undefined) {
    return {
      UpdateRuntimeOn: c?.updateRuntimeOn ?? 'Auto',
      FunctionArn: t.arn,
      ...(c?.runtimeVersionArn ? { RuntimeVersionArn: c.runtimeVersionArn } : {}),
    };
  }

  getRuntimeManagement(input: GetRuntimeManagementConfigCommandInput, ctx: RequestContext): Out<GetRuntimeManagementConfigCommandOutput> {
    const { t, key } = this.version(input.FunctionName, ctx, input.Qualifier);
    return this.render(t, t.fn.runtimeManagement?.[key]);
  }

  putRuntimeManagement(input: PutRuntimeManagementConfigCommandInput, ctx: RequestContext): Out<PutRuntimeManagementConfigCommandOutput> {
    const mode = input.UpdateRuntimeOn;
    if (mode === undefined) throw validation('updateRuntimeOn', mode, 'Member must not be null');
    if (!(UPDATE_MODES as readonly string[]).includes(mode)) throw validation('updateRuntimeOn', mode, `Member must satisfy enum value set: [${UPDATE_MODES.join(', ')}]`);
    const arn = input.RuntimeVersionArn;
    if (arn !== undefined && (arn.length > 2048 || !RUNTIME_VERSION_ARN.test(arn))) {
      throw validation('runtimeVersionArn', arn, 'Member must satisfy regular expression pattern: ^arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}::runtime:.+$');
    }
    if (mode === 'Manual' && !arn) {
      throw new AwsError('InvalidParameterValueException', 'You must specify a RuntimeVersionArn when UpdateRuntimeOn is Manual.', 400, { Type: 'User' });
    }
    if (mode !== 'Manual' && arn) {
      throw new AwsError('InvalidParameterValueException', `RuntimeVersionArn can only be specified when UpdateRuntimeOn is Manual, not ${mode}.`, 400, { Type: 'User' });
    }
    const { t, key } = this.version(input.FunctionName, ctx, input.Qualifier);
    const c: RuntimeManagement = { updateRuntimeOn: mode as RuntimeManagement['updateRuntimeOn'], ...(arn ? { runtimeVersionArn: arn } : {}) };
    t.fn.runtimeManagement = { ...(t.fn.runtimeManagement ?? {}), [key]: c };
    return this.render(t, c) as Out<PutRuntimeManagementConfigCommandOutput>;
  }
}
