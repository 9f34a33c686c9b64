import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  StartQueryCommand,
  type GetQueryResultsCommandOutput,
  type StartQueryCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { waitFor } from '../../harness/wait';

/** 2026-12-07 17:00:00.000 UTC: the events' base time in the Insights tests. */
export const T0 = Date.UTC(2026, 11, 7, 17, 0, 0);
export const seconds = (ms: number) => Math.floor(ms / 1000);

/** Creates the group and stream (if new) and writes the events. */
export async function writeEvents(logs: CloudWatchLogsClient, group: string, stream: string, events: { timestamp: number; message: string }[]): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch((e) => {
    if (e.name !== 'ResourceAlreadyExistsException') throw e;
  });
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch((e) => {
    if (e.name !== 'ResourceAlreadyExistsException') throw e;
  });
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));
}

/** The client loop: StartQuery, then GetQueryResults until the status is Complete. */
export async function query(logs: CloudWatchLogsClient, input: Partial<StartQueryCommandInput> & { queryString: string }): Promise<GetQueryResultsCommandOutput> {
  const { queryId } = await logs.send(new StartQueryCommand({ startTime: seconds(T0) - 3600, endTime: seconds(T0) + 3600, ...input }));
  return waitFor(
    async () => {
      const out = await logs.send(new GetQueryResultsCommand({ queryId }));
      return out.status === 'Complete' ? out : undefined;
    },
    { what: `query ${queryId} complete` },
  );
}

/** Results as plain objects, `@ptr` left out. */
export const rows = (out: GetQueryResultsCommandOutput): Record<string, string>[] =>
  (out.results ?? []).map((r) => Object.fromEntries(r.filter((f) => f.field !== '@ptr').map((f) => [f.field!, f.value!])));
