import type {
  Cors,
  CreateFunctionUrlConfigCommandInput,
  CreateFunctionUrlConfigCommandOutput,
  DeleteFunctionUrlConfigCommandInput,
  FunctionUrlConfig,
  GetFunctionUrlConfigCommandInput,
  GetFunctionUrlConfigCommandOutput,
  ListFunctionUrlConfigsCommandInput,
  ListFunctionUrlConfigsCommandOutput,
  UpdateFunctionUrlConfigCommandInput,
  UpdateFunctionUrlConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { randomHex } from '../core/ids';
import { withMeta } from '../core/service';
import { lambdaTimestamp } from './functions';
import { parseFunctionRef, validation } from './names';
import { offsetPage } from './paging';
import type { FunctionUrlSettings, LambdaCore, LambdaFunction, Out } from './state';
import { LATEST, notFound } from './targets';
import { checkRange } from './validation';

/**
 * CreateFunctionUrlConfig / Get / Update / Delete / ListFunctionUrlConfigs. A URL belongs to the unqualified
 * function (Qualifier absent or `$LATEST`) or to an alias (never to a version number). The URL is LocalStack's form,
 * `http://<url-id>.lambda-url.<region>.localhost:<port>/`; url-http.ts serves it.
 */

const URL_QUALIFIER = /^(?!^[0-9]+$)[a-zA-Z0-9-_]+$/;
const AUTH_TYPES = ['NONE', 'AWS_IAM'] as const;
const INVOKE_MODES = ['BUFFERED', 'RESPONSE_STREAM'] as const;

const missing = () => new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404, { Type: 'User' });
const noFunction = () => new AwsError('ResourceNotFoundException', 'Function does not exist', 404, { Type: 'User' });

/** The url-id: 32 lowercase letters and digits, as Lambda's. */
function newUrlId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = Buffer.from(randomHex(32), 'hex');
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

function checkEnum<T extends string>(field: string, value: string | undefined, allowed: readonly T[], required: boolean): T | undefined {
  if (value === undefined) {
    if (required) throw validation(field, value, 'Member must not be null');
    return undefined;
  }
  if (!(allowed as readonly string[]).includes(value)) throw validation(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  return value as T;
}

function checkCors(cors: Cors | undefined): Cors | undefined {
  if (!cors) return undefined;
  checkRange('cors.maxAge', cors.MaxAge, [0, 86_400]);
  for (const m of cors.AllowMethods ?? []) {
    if (m.length > 6) throw validation('cors.allowMethods', cors.AllowMethods, 'Member must satisfy constraint: [Member must have length less than or equal to 6]');
  }
  if ((cors.AllowOrigins?.length ?? 0) > 100) throw validation('cors.allowOrigins', cors.AllowOrigins, 'Member must have length less than or equal to 100');
  return cors;
}

export class FunctionUrls {
  constructor(private readonly core: LambdaCore) {}

  /** The function and the URL qualifier a request names (`$LATEST` standing for the unqualified function). */
  private target(ref: string | undefined, ctx: RequestContext, qualifier: string | undefined): { fn: LambdaFunction; q: string } {
    const parsed = parseFunctionRef(ref, ctx, qualifier);
    const q = parsed.qualifier;
    if (q !== undefined && q !== LATEST) {
      if (q.length > 128) throw validation('qualifier', q, 'Member must have length less than or equal to 128');
      if (!URL_QUALIFIER.test(q)) throw validation('qualifier', q, 'Member must satisfy regular expression pattern: (^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))');
    }
    const fn = this.core.functions.get(parsed.arn);
    if (!fn) throw noFunction();
    // A URL names the function itself (unqualified, or `$LATEST` as the API's pattern allows) or one of its aliases.
    if (q !== undefined && q !== LATEST && !fn.aliases.has(q)) throw noFunction();
    return { fn, q: q ?? LATEST };
  }

  /** The URL as clients reach it: the emulator's port, under `*.localhost` (which resolves to loopback). */
  url(fn: LambdaFunction, u: FunctionUrlSettings): string {
    return `http://${u.urlId}.lambda-url.${fn.region}.localhost:${this.core.deps.options.port}/`;
  }

  private render(fn: LambdaFunction, u: FunctionUrlSettings): Out<FunctionUrlConfig> {
    return {
      FunctionUrl: this.url(fn, u),
      FunctionArn: u.qualifier === LATEST ? fn.arn : `${fn.arn}:${u.qualifier}`,
      AuthType: u.authType,
      ...(u.cors ? { Cors: u.cors } : {}),
      CreationTime: lambdaTimestamp(u.creationTime),
      LastModifiedTime: lambdaTimestamp(u.lastModified),
      InvokeMode: u.invokeMode,
    };
  }

  create(input: CreateFunctionUrlConfigCommandInput, ctx: RequestContext) {
    const authType = checkEnum('authType', input.AuthType, AUTH_TYPES, true)!;
    const invokeMode = checkEnum('invokeMode', input.InvokeMode, INVOKE_MODES, false) ?? 'BUFFERED';
    const cors = checkCors(input.Cors);
    const { fn, q } = this.target(input.FunctionName, ctx, input.Qualifier);
    const existing = fn.urlConfigs.get(q);
    if (existing) {
      throw new AwsError(
        'ResourceConflictException',
        `Failed to create function url config for [functionArn = ${this.render(fn, existing).FunctionArn}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
        409,
        { Type: 'User' },
      );
    }
    const now = this.core.deps.clock.now();
    const u: FunctionUrlSettings = { urlId: newUrlId(), qualifier: q, authType, cors, invokeMode, creationTime: now, lastModified: now };
    fn.urlConfigs.set(q, u);
    this.core.deps.bus.record({ type: 'lambda.url.create', functionName: fn.name, qualifier: q, urlId: u.urlId });
    const { LastModifiedTime: _l, ...out } = this.render(fn, u);
    return withMeta(out as Out<CreateFunctionUrlConfigCommandOutput>, { status: 201 });
  }

  get(input: GetFunctionUrlConfigCommandInput, ctx: RequestContext): Out<GetFunctionUrlConfigCommandOutput> {
    const { fn, q } = this.target(input.FunctionName, ctx, input.Qualifier);
    const u = fn.urlConfigs.get(q);
    if (!u) throw missing();
    return this.render(fn, u) as Out<GetFunctionUrlConfigCommandOutput>;
  }

  update(input: UpdateFunctionUrlConfigCommandInput, ctx: RequestContext): Out<UpdateFunctionUrlConfigCommandOutput> {
    const authType = checkEnum('authType', input.AuthType, AUTH_TYPES, false);
    const invokeMode = checkEnum('invokeMode', input.InvokeMode, INVOKE_MODES, false);
    const cors = checkCors(input.Cors);
    const { fn, q } = this.target(input.FunctionName, ctx, input.Qualifier);
    const u = fn.urlConfigs.get(q);
    if (!u) throw missing();
    if (authType) u.authType = authType;
    if (invokeMode) u.invokeMode = invokeMode;
    // Cors given replaces the whole configuration; an empty object removes it.
    if (cors) u.cors = Object.keys(cors).length ? cors : undefined;
    u.lastModified = this.core.deps.clock.now();
    return this.render(fn, u) as Out<UpdateFunctionUrlConfigCommandOutput>;
  }

  delete(input: DeleteFunctionUrlConfigCommandInput, ctx: RequestContext) {
    const { fn, q } = this.target(input.FunctionName, ctx, input.Qualifier);
    if (!fn.urlConfigs.delete(q)) throw missing();
    this.core.deps.bus.record({ type: 'lambda.url.delete', functionName: fn.name, qualifier: q });
    return withMeta({}, { status: 204 });
  }

  list(input: ListFunctionUrlConfigsCommandInput, ctx: RequestContext): Out<ListFunctionUrlConfigsCommandOutput> {
    const parsed = parseFunctionRef(input.FunctionName, ctx);
    const fn = this.core.functions.get(parsed.arn);
    if (!fn) throw notFound(parsed.arn);
    checkRange('maxItems', input.MaxItems, [1, 50]);
    const all = [...fn.urlConfigs.values()].map((u) => this.render(fn, u) as FunctionUrlConfig);
    const { page, nextMarker } = offsetPage(all, input.Marker, input.MaxItems ?? 50);
    return { FunctionUrlConfigs: page, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }

  /** The function and URL a url-id names, for the HTTP side. */
  lookup(urlId: string): { fn: LambdaFunction; url: FunctionUrlSettings } | undefined {
    for (const fn of this.core.functions.values()) {
      for (const url of fn.urlConfigs.values()) if (url.urlId === urlId) return { fn, url };
    }
    return undefined;
  }
}
