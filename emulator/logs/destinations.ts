import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import type { RequestContext } from '../core/context';
import { invalidToken } from './event-order';

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
}

const NAME = /^[^:*]{1,512}$/;
const PAGE = 50;

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);
const notFound = () => new AwsError('ResourceNotFoundException', 'The specified destination does not exist.', 400);

export interface DestinationDeps {
  destinations: Map<string, LogsDestination>;
  now(): number;
  changed(name: string): void;
}

const view = ({ tags: _t, ...d }: LogsDestination) => ({ ...d });

export function destinationOperations(d: DestinationDeps) {
  return {
    PutDestination(input: any, ctx: RequestContext) {
      const name: string = input.destinationName ?? '';
      if (!NAME.test(name)) {
        throw invalid(`1 validation error detected: Value '${name}' at 'destinationName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`);
      }
      if (!/^arn:aws[\w-]*:(kinesis|firehose):/.test(input.targetArn ?? '')) throw invalid(`Invalid target ARN: ${input.targetArn}`);
      if (!/^arn:aws[\w-]*:iam::\d{12}:role\//.test(input.roleArn ?? '')) throw invalid(`Invalid role ARN: ${input.roleArn}`);
      const existing = d.destinations.get(name);
      const destination: LogsDestination = {
        destinationName: name,
        targetArn: input.targetArn,
        roleArn: input.roleArn,
        ...(existing?.accessPolicy !== undefined ? { accessPolicy: existing.accessPolicy } : {}),
        arn: `arn:aws:logs:${ctx.region}:${ctx.accountId}:destination:${name}`,
        creationTime: existing?.creationTime ?? d.now(),
        ...(existing?.tags || input.tags ? { tags: { ...existing?.tags, ...input.tags } } : {}),
      };
      d.destinations.set(name, destination);
      d.changed(name);
      return { destination: view(destination) };
    },

    PutDestinationPolicy(input: any) {
      const dest = d.destinations.get(input.destinationName ?? '');
      if (!dest) throw notFound();
      try {
        JSON.parse(input.accessPolicy ?? '');
      } catch {
        throw invalid('Access policy is not valid JSON.');
      }
      dest.accessPolicy = input.accessPolicy;
      d.changed(dest.destinationName);
      return {};
    },

    DescribeDestinations(input: any) {
      const prefix: string = input.DestinationNamePrefix ?? '';
      const all = [...d.destinations.values()]
        .filter((x) => x.destinationName.startsWith(prefix))
        .sort((a, b) => (a.destinationName < b.destinationName ? -1 : a.destinationName > b.destinationName ? 1 : 0));
      const { items, next } = offsetPage(all, input.nextToken, Math.min(input.limit ?? PAGE, PAGE), 'd', invalidToken);
      return { destinations: items.map(view), nextToken: next };
    },

    DeleteDestination(input: any) {
      if (!d.destinations.delete(input.destinationName ?? '')) throw notFound();
      d.changed(input.destinationName);
      return {};
    },
  };
}

/**
 * Whether a subscription filter's destination ARN names a stored destination of this account. Other ARNs, and
 * destinations of other accounts (the cross-account case destinations exist for), are not this check's to refuse.
 */
export function destinationStored(destinations: Map<string, LogsDestination>, arn: string, accountId: string): boolean {
  const m = /^arn:aws[\w-]*:logs:[^:]*:(\d{12}):destination:(.+)$/.exec(arn);
  return !m || m[1] !== accountId || destinations.has(m[2]!);
}
