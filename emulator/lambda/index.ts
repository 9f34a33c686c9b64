/**
 * Lambda: functions (.zip packages run by ./runtime) with published versions and aliases, layers (layers.ts,
 * layer-policy.ts; unpacked as a function's /opt when its environments start), synchronous and
 * asynchronous invocation (retries, DLQ, destinations; InvokeAsync too), response streaming
 * (InvokeWithResponseStream, response-stream.ts), function URLs (function-urls.ts, served by url-http.ts),
 * resource policies, reserved and provisioned concurrency, runtime management settings, recursive loop
 * detection, code signing configurations (code-signing.ts), and SQS event source mappings. One method per operation of @aws-sdk/client-lambda, speaking
 * REST-JSON through the protocol layer.
 *
 * Deliveries: registered on the bus as the receiver for `arn:aws:lambda:…` (`kind: 'lambda'` messages are
 * queued as asynchronous invocations). `check` refuses an S3 origin the function policy does not allow.
 * Answers `lambda.invoke`: a synchronous invocation the asking service waits on (LambdaInvokeQuery).
 * Asks: `s3.getObject` (code and layer archives from S3), `sqs.*` (event source mappings), `logs.put`
 * (function logs).
 * Trace hops: lambda.invoke.start / .end / .error, lambda.retry, lambda.throttle, lambda.dlq,
 * lambda.destination, lambda.recursion, lambda.async.enqueue / .failed / .dropped, lambda.esm.*,
 * lambda.function.* (publish, delete-version among them), lambda.layer.publish / .delete-version,
 * lambda.alias.*, lambda.url.create / .delete, lambda.provisioned.ready / .failed, lambda.code-signing.warn. Invocation hops of a
 * published version carry `version`; a function URL request's have `source: 'url'`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as L from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import type { DeliveryMessage, DeliveryReceiver, Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import type { ServiceDeps } from '../core/service';
import { withMeta } from '../core/service';
import { Aliases } from './aliases';
import { CodeSigningConfigs } from './code-signing';
import { AsyncQueue } from './async-queue';
import { EventSourceMappings } from './event-source-mappings';
import { Executor } from './execution';
import { FunctionStore } from './functions';
import { FunctionUrls } from './function-urls';
import { FunctionUrlServer, functionUrlRequest } from './url-http';
import { invoke, runSync, tooLarge, ASYNC_PAYLOAD_LIMIT, type InvokeInput } from './invoke';
import { LayerPolicies } from './layer-policy';
import { Layers } from './layers';
import { traceHeaderFromCorrelation } from './lineage';
import { permissionOps, policyAllows } from './permissions';
import { lambdaPersistence } from './persistence';
import { RuntimeSettings } from './runtime-settings';
import { ProvisionedConcurrencyConfigs } from './provisioned';
import { Settings } from './settings';
import { TimerSet, type LambdaCore } from './state';
import { policyHolder, resolveArn } from './targets';
import { Versions } from './versions';
import { invokeAsync, invokeWithResponseStream, type InvokeWithResponseStreamInput } from './response-stream';

export { lineageFromTraceHeader, RECURSION_LIMIT } from './lineage';

/** What `bus.ask('lambda.invoke', …)` takes and answers: one RequestResponse invocation of a (qualified) ARN. */
export interface LambdaInvokeQuery {
  functionArn: string;
  payload: string;
}
export interface LambdaInvokeAnswer {
  payload: string;
  /** `Unhandled` when the function failed, as Invoke's FunctionError. */
  functionError?: string;
  executedVersion: string;
}

/** Service principals whose deliveries AWS authorises with the function policy (Lambda's own destinations do not). */
const POLICY_CHECKED = new Set(['s3.amazonaws.com', 'sns.amazonaws.com', 'events.amazonaws.com']);

export function createLambdaProvider(deps: ServiceDeps) {
  const core: LambdaCore = { deps, functions: new Map(), layers: new Map(), mappings: new Map(), codeSigningConfigs: new Map(), timers: new TimerSet(deps.clock) };
  const executor = new Executor(deps);
  const store = new FunctionStore(core, executor);
  const versions = (store.versions = new Versions(core, store, executor));
  const aliases = new Aliases(core, store);
  const queue = new AsyncQueue(core, executor);
  const settings = new Settings(core, store);
  const esm = new EventSourceMappings(core, store, executor);
  const runtimeSettings = new RuntimeSettings(store);
  const codeSigning = (store.codeSigning = new CodeSigningConfigs(core, store));
  const provisioned = new ProvisionedConcurrencyConfigs(core, store, executor, settings);
  aliases.onRetarget = (fn, alias, oldVersion) => provisioned.retargeted(fn, alias, oldVersion);
  aliases.onDelete = (fn, alias) => provisioned.aliasDeleted(fn, alias);
  const urls = new FunctionUrls(core);
  const layers = new Layers(core);
  const layerPolicies = new LayerPolicies(layers);
  const urlServer = new FunctionUrlServer(core, executor, urls);

  // Deliveries may name a version or alias (`…:function:name:live`): its own policy decides, and it is what runs.
  const receiver: DeliveryReceiver = {
    check(functionArn: string, origin: Origin) {
      const t = resolveArn(core, functionArn);
      // S3 validates the destination when the notification configuration is written.
      if (origin.principal === 's3.amazonaws.com' && !policyAllows(policyHolder(t), t.arn, origin)) {
        throw new AwsError('AccessDeniedException', `The function ${t.arn} does not allow ${origin.principal} to invoke it for source ${origin.sourceArn} (add a permission with AddPermission).`, 403);
      }
    },
    async receive(functionArn: string, message: DeliveryMessage, origin: Origin) {
      if (message.kind !== 'lambda') throw new AwsError('InvalidParameterValueException', `Lambda cannot accept a ${message.kind} delivery`, 400);
      const t = resolveArn(core, functionArn);
      if (deps.options.strict && POLICY_CHECKED.has(origin.principal) && !policyAllows(policyHolder(t), t.arn, origin)) {
        throw new AwsError('AccessDeniedException', `${origin.principal} is not authorized to perform: lambda:InvokeFunction on resource: ${t.arn}`, 403);
      }
      const size = Buffer.byteLength(message.payload);
      if (size > ASYNC_PAYLOAD_LIMIT) throw tooLarge(ASYNC_PAYLOAD_LIMIT, 'Event', size);
      queue.enqueue({
        requestId: uuid(),
        functionArn: t.fn.arn,
        qualifier: t.qualifier,
        payload: message.payload,
        incomingTrace: traceHeaderFromCorrelation(origin.correlation),
      });
    },
  };
  deps.bus.register('lambda', receiver);
  // A synchronous invocation another service waits on (Secrets Manager runs rotation steps one after another).
  deps.bus.answer<LambdaInvokeQuery, LambdaInvokeAnswer>('lambda.invoke', async ({ functionArn, payload }) => {
    const { result, version } = await runSync(core, executor, resolveArn(core, functionArn), Buffer.from(payload), { requestId: uuid(), source: 'sync' });
    return { payload: Buffer.from(result.payload).toString('utf8'), functionError: result.functionError, executedVersion: version };
  });

  const noContent = () => withMeta({}, { status: 204 });

  async function reset(): Promise<void> {
    esm.stopAll();
    core.timers.cancelAll();
    queue.reset();
    const fns = [...core.functions.values()];
    core.functions.clear();
    core.layers.clear();
    core.mappings.clear();
    core.codeSigningConfigs.clear();
    await Promise.all(fns.map((fn) => store.dispose(fn)));
  }

  return {
    // ---- functions ----
    CreateFunction: (input: L.CreateFunctionCommandInput, ctx: RequestContext) => store.create(input, ctx),
    GetFunction: (input: L.GetFunctionCommandInput, ctx: RequestContext) => store.get(input, ctx),
    GetFunctionConfiguration: (input: L.GetFunctionConfigurationCommandInput, ctx: RequestContext) => store.getConfiguration(input, ctx),
    ListFunctions: (input: L.ListFunctionsCommandInput, ctx: RequestContext) => store.list(input, ctx),
    UpdateFunctionCode: (input: L.UpdateFunctionCodeCommandInput, ctx: RequestContext) => store.updateCode(input, ctx),
    UpdateFunctionConfiguration: (input: L.UpdateFunctionConfigurationCommandInput, ctx: RequestContext) => store.updateConfiguration(input, ctx),
    DeleteFunction: (input: L.DeleteFunctionCommandInput, ctx: RequestContext) => store.delete(input, ctx),

    // ---- versions and aliases ----
    PublishVersion: (input: L.PublishVersionCommandInput, ctx: RequestContext) => versions.publish(input, ctx),
    ListVersionsByFunction: (input: L.ListVersionsByFunctionCommandInput, ctx: RequestContext) => versions.list(input, ctx),
    CreateAlias: (input: L.CreateAliasCommandInput, ctx: RequestContext) => aliases.create(input, ctx),
    GetAlias: (input: L.GetAliasCommandInput, ctx: RequestContext) => aliases.get(input, ctx),
    UpdateAlias: (input: L.UpdateAliasCommandInput, ctx: RequestContext) => aliases.update(input, ctx),
    DeleteAlias: (input: L.DeleteAliasCommandInput, ctx: RequestContext) => aliases.delete(input, ctx),
    ListAliases: (input: L.ListAliasesCommandInput, ctx: RequestContext) => aliases.list(input, ctx),

    // ---- layers ----
    PublishLayerVersion: (input: L.PublishLayerVersionCommandInput, ctx: RequestContext) => layers.publish(input, ctx),
    GetLayerVersion: (input: L.GetLayerVersionCommandInput, ctx: RequestContext) => layers.get(input, ctx),
    GetLayerVersionByArn: (input: L.GetLayerVersionByArnCommandInput) => layers.getByArn(input),
    ListLayers: (input: L.ListLayersCommandInput, ctx: RequestContext) => layers.list(input, ctx),
    ListLayerVersions: (input: L.ListLayerVersionsCommandInput, ctx: RequestContext) => layers.listVersions(input, ctx),
    DeleteLayerVersion: (input: L.DeleteLayerVersionCommandInput, ctx: RequestContext) => layers.delete(input, ctx),
    AddLayerVersionPermission: (input: L.AddLayerVersionPermissionCommandInput, ctx: RequestContext) => layerPolicies.add(input, ctx),
    RemoveLayerVersionPermission: (input: L.RemoveLayerVersionPermissionCommandInput, ctx: RequestContext) => layerPolicies.remove(input, ctx),
    GetLayerVersionPolicy: (input: L.GetLayerVersionPolicyCommandInput, ctx: RequestContext) => layerPolicies.get(input, ctx),

    // ---- function URLs ----
    CreateFunctionUrlConfig: (input: L.CreateFunctionUrlConfigCommandInput, ctx: RequestContext) => urls.create(input, ctx),
    GetFunctionUrlConfig: (input: L.GetFunctionUrlConfigCommandInput, ctx: RequestContext) => urls.get(input, ctx),
    UpdateFunctionUrlConfig: (input: L.UpdateFunctionUrlConfigCommandInput, ctx: RequestContext) => urls.update(input, ctx),
    DeleteFunctionUrlConfig: (input: L.DeleteFunctionUrlConfigCommandInput, ctx: RequestContext) => urls.delete(input, ctx),
    ListFunctionUrlConfigs: (input: L.ListFunctionUrlConfigsCommandInput, ctx: RequestContext) => urls.list(input, ctx),

    // ---- invocation ----
    Invoke: (input: InvokeInput, ctx: RequestContext) => invoke(core, store, executor, queue, input, ctx),
    InvokeWithResponseStream: (input: InvokeWithResponseStreamInput, ctx: RequestContext) => invokeWithResponseStream(core, store, executor, input, ctx),
    InvokeAsync: (input: Parameters<typeof invokeAsync>[2], ctx: RequestContext) => invokeAsync(store, queue, input, ctx),

    // ---- resource policy ----
    // Each version and alias has its own policy; a statement's Resource is the ARN as the request named it.
    AddPermission: (input: L.AddPermissionCommandInput, ctx: RequestContext) => {
      const t = store.resolve(input.FunctionName, ctx, input.Qualifier);
      return withMeta(permissionOps.add(policyHolder(t), t.arn, input), { status: 201 });
    },
    RemovePermission: (input: L.RemovePermissionCommandInput, ctx: RequestContext) => {
      permissionOps.remove(policyHolder(store.resolve(input.FunctionName, ctx, input.Qualifier)), input);
      return noContent();
    },
    GetPolicy: (input: L.GetPolicyCommandInput, ctx: RequestContext) => permissionOps.get(policyHolder(store.resolve(input.FunctionName, ctx, input.Qualifier)), input),

    // ---- asynchronous invocation settings ----
    PutFunctionEventInvokeConfig: (input: L.PutFunctionEventInvokeConfigCommandInput, ctx: RequestContext) => settings.putEventInvokeConfig(input, ctx),
    UpdateFunctionEventInvokeConfig: (input: L.UpdateFunctionEventInvokeConfigCommandInput, ctx: RequestContext) => settings.updateEventInvokeConfig(input, ctx),
    GetFunctionEventInvokeConfig: (input: L.GetFunctionEventInvokeConfigCommandInput, ctx: RequestContext) => settings.getEventInvokeConfig(input, ctx),
    DeleteFunctionEventInvokeConfig: (input: L.DeleteFunctionEventInvokeConfigCommandInput, ctx: RequestContext) => settings.deleteEventInvokeConfig(input, ctx),
    ListFunctionEventInvokeConfigs: (input: L.ListFunctionEventInvokeConfigsCommandInput, ctx: RequestContext) => settings.listEventInvokeConfigs(input, ctx),

    // ---- provisioned concurrency ----
    PutProvisionedConcurrencyConfig: (input: L.PutProvisionedConcurrencyConfigCommandInput, ctx: RequestContext) => provisioned.put(input, ctx),
    GetProvisionedConcurrencyConfig: (input: L.GetProvisionedConcurrencyConfigCommandInput, ctx: RequestContext) => provisioned.get(input, ctx),
    DeleteProvisionedConcurrencyConfig: (input: L.DeleteProvisionedConcurrencyConfigCommandInput, ctx: RequestContext) => provisioned.delete(input, ctx),
    ListProvisionedConcurrencyConfigs: (input: L.ListProvisionedConcurrencyConfigsCommandInput, ctx: RequestContext) => provisioned.list(input, ctx),

    // ---- concurrency, recursion, tags, account ----
    PutFunctionConcurrency: (input: L.PutFunctionConcurrencyCommandInput, ctx: RequestContext) => settings.putConcurrency(input, ctx),
    GetFunctionConcurrency: (input: L.GetFunctionConcurrencyCommandInput, ctx: RequestContext) => settings.getConcurrency(input, ctx),
    DeleteFunctionConcurrency: (input: L.DeleteFunctionConcurrencyCommandInput, ctx: RequestContext) => settings.deleteConcurrency(input, ctx),
    PutFunctionRecursionConfig: (input: L.PutFunctionRecursionConfigCommandInput, ctx: RequestContext) => settings.putRecursionConfig(input, ctx),
    GetFunctionRecursionConfig: (input: L.GetFunctionRecursionConfigCommandInput, ctx: RequestContext) => settings.getRecursionConfig(input, ctx),
    ListTags: (input: L.ListTagsCommandInput, ctx: RequestContext) => settings.listTags(input, ctx),
    TagResource: (input: L.TagResourceCommandInput, ctx: RequestContext) => settings.tagResource(input, ctx),
    UntagResource: (input: L.UntagResourceCommandInput, ctx: RequestContext) => settings.untagResource(input, ctx),
    GetRuntimeManagementConfig: (input: L.GetRuntimeManagementConfigCommandInput, ctx: RequestContext) => runtimeSettings.getRuntimeManagement(input, ctx),
    PutRuntimeManagementConfig: (input: L.PutRuntimeManagementConfigCommandInput, ctx: RequestContext) => runtimeSettings.putRuntimeManagement(input, ctx),
    GetAccountSettings: (_input: L.GetAccountSettingsCommandInput) => settings.accountSettings(),

    // ---- code signing ----
    CreateCodeSigningConfig: (input: L.CreateCodeSigningConfigCommandInput, ctx: RequestContext) => codeSigning.create(input, ctx),
    GetCodeSigningConfig: (input: L.GetCodeSigningConfigCommandInput) => codeSigning.get(input),
    ListCodeSigningConfigs: (input: L.ListCodeSigningConfigsCommandInput, ctx: RequestContext) => codeSigning.list(input, ctx),
    UpdateCodeSigningConfig: (input: L.UpdateCodeSigningConfigCommandInput) => codeSigning.update(input),
    DeleteCodeSigningConfig: (input: L.DeleteCodeSigningConfigCommandInput) => codeSigning.delete(input),
    ListFunctionsByCodeSigningConfig: (input: L.ListFunctionsByCodeSigningConfigCommandInput) => codeSigning.listFunctions(input),
    PutFunctionCodeSigningConfig: (input: L.PutFunctionCodeSigningConfigCommandInput, ctx: RequestContext) => codeSigning.putFunction(input, ctx),
    GetFunctionCodeSigningConfig: (input: L.GetFunctionCodeSigningConfigCommandInput, ctx: RequestContext) => codeSigning.getFunction(input, ctx),
    DeleteFunctionCodeSigningConfig: (input: L.DeleteFunctionCodeSigningConfigCommandInput, ctx: RequestContext) => codeSigning.deleteFunction(input, ctx),

    // ---- SQS event source mappings ----
    CreateEventSourceMapping: (input: L.CreateEventSourceMappingCommandInput, ctx: RequestContext) => esm.create(input, ctx),
    GetEventSourceMapping: (input: L.GetEventSourceMappingCommandInput) => esm.get(input),
    ListEventSourceMappings: (input: L.ListEventSourceMappingsCommandInput, ctx: RequestContext) => esm.list(input, ctx),
    UpdateEventSourceMapping: (input: L.UpdateEventSourceMappingCommandInput, ctx: RequestContext) => esm.update(input, ctx),
    DeleteEventSourceMapping: (input: L.DeleteEventSourceMappingCommandInput) => esm.delete(input),

    // ---- harness ----
    /**
     * Serves an HTTP request addressed to a function URL (Host `<url-id>.lambda-url.<region>.localhost`, or
     * the path `/_harness/lambda-url/<url-id>/…`). Any other request gets false at once, not a promise: this
     * runs before every request the server routes on.
     */
    serveFunctionUrl(req: IncomingMessage, res: ServerResponse): false | Promise<true> {
      const named = functionUrlRequest(req.headers.host, req.url ?? '/');
      if (!named) return false;
      return urlServer.serve(req, res, named.urlId, named.rawTarget).then(() => true);
    },
    /** Asynchronous events waiting or running (for idle checks). */
    pendingAsyncEvents: () => queue.pending,
    persistence: deps.options.dataDir ? lambdaPersistence(core, esm, queue, () => provisioned.resumeAll()) : undefined,
    reset,
    async close() {
      await reset();
      await executor.close();
    },
  };
}
