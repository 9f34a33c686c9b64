import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import type { RequestContext } from '../core/context';
import { invalidToken } from './event-order';
import type { Scope } from '../core/scope';
import { withoutScope, type Scoping } from './state';

/**
 * CloudWatch Logs destinations (PutDestination, PutDestinationPolicy, DescribeDestinations, DeleteDestination):
 * the cross-account receiving end of a subscription, a name in front of a Kinesis stream or Firehose delivery
 * stream. Stored and answered; a subscription filter may name a stored destination's ARN, but nothing is
 * delivered through it (the emulator has no Kinesis or Firehose).
 */
export interface LogsDestination {
  destinationName: string;
  targetArn: string;
  roleArn: string;
  accessPolicy?: string;
  arn: string;
  creationTime: number;
  tags?: Record<string, string>;
  /** Made outside the emulator's own account and Region (state.ts, Scoping). */
  scope?: Scope;
}

const NAME = /^[^:*]{1,512}$/;
const PAGE = 50;

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);
const notFound = () => new AwsError('ResourceNotFoundException', 'The specified destination does not exist.', 400);

export interface DestinationDeps {
  /** By Scoping.key of the destination name. */
  destinations: Map<string, LogsDestination>;
  scoping: Scoping;
  now(): number;
  changed(key: string): void;
}

const view = ({ tags: _t, ...d }: LogsDestination) => withoutScope(d);

export function destinationOperations(d: DestinationDeps) {
  return {
    PutDestination(input: any, ctx: RequestContext) {
      const name: string = input.destinationName ?? '';
      if (!NAME.test(name)) {
        throw invalid(`1 validation error detected: Value '${name}' at 'destinationName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`);
      }
      if (!/^arn:aws[\w-]*:(kinesis|firehose):/.test(input.targetArn ?? '')) throw invalid(`Invalid target ARN: ${input.targetArn}`);
      if (!/^arn:aws[\w-]*:iam::\d{12}:role\//.test(input.roleArn ?? '')) throw invalid(`Invalid role ARN: ${input.roleArn}`);
      const key = d.scoping.key(ctx, name);
      const existing = d.destinations.get(key);
      const destination: LogsDestination = {
        destinationName: name,
        targetArn: input.targetArn,
        roleArn: input.roleArn,
        ...(existing?.accessPolicy !== undefined ? { accessPolicy: existing.accessPolicy } : {}),
        arn: `arn:aws:logs:${ctx.region}:${ctx.accountId}:destination:${name}`,
        creationTime: existing?.creationTime ?? d.now(),
        ...(existing?.tags || input.tags ? { tags: { ...existing?.tags, ...input.tags } } : {}),
        ...d.scoping.field(ctx),
      };
      d.destinations.set(key, destination);
      d.changed(key);
      return { destination: view(destination) };
    },

    PutDestinationPolicy(input: any, ctx: RequestContext) {
      const key = d.scoping.key(ctx, input.destinationName ?? '');
      const dest = d.destinations.get(key);
      if (!dest) throw notFound();
      try {
        JSON.parse(input.accessPolicy ?? '');
      } catch {
        throw invalid('Access policy is not valid JSON.');
      }
      dest.accessPolicy = input.accessPolicy;
      d.changed(key);
      return {};
    },

    DescribeDestinations(input: any, ctx: RequestContext) {
      const prefix: string = input.DestinationNamePrefix ?? '';
      const all = [...d.destinations.values()]
        .filter((x) => d.scoping.owns(ctx, x) && x.destinationName.startsWith(prefix))
        .sort((a, b) => (a.destinationName < b.destinationName ? -1 : a.destinationName > b.destinationName ? 1 : 0));
      const { items, next } = offsetPage(all, input.nextToken, Math.min(input.limit ?? PAGE, PAGE), 'd', invalidToken);
      return { destinations: items.map(view), nextToken: next };
    },

    DeleteDestination(input: any, ctx: RequestContext) {
      const key = d.scoping.key(ctx, input.destinationName ?? '');
      if (!d.destinations.delete(key)) throw notFound();
      d.changed(key);
      return {};
    },
  };
}

/**
 * Whether a subscription filter's destination ARN names a stored destination of this account (in the ARN's
 * Region). Other ARNs, and destinations of other accounts (the cross-account case destinations exist for), are
 * not this check's to refuse.
 */
export function destinationStored(destinations: Map<string, LogsDestination>, scoping: Scoping, arn: string, accountId: string): boolean {
  const m = /^arn:aws[\w-]*:logs:([^:]*):(\d{12}):destination:(.+)$/.exec(arn);
  return !m || m[2] !== accountId || destinations.has(scoping.key({ region: m[1]!, accountId }, m[3]!));
}
