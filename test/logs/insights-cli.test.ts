import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { waitFor } from '../../harness/wait';
import { awsCli, CLIENTS } from '../helpers/cli';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { seconds, T0, writeEvents } from './insights-helpers';

/* `aws logs start-query` and `get-query-results` (AWS CLI v1 on PATH) against the in-process emulator. */
const emulator = useEmulator({ log: () => {} });

it('starts a query and polls its results until Complete', async () => {
  const group = '/aws/lambda/cli-insights';
  await writeEvents(new CloudWatchLogsClient(clientConfig(emulator())), group, 's', [
    { timestamp: T0 + 1_000, message: 'ERROR failed key=in/a.csv' },
    { timestamp: T0 + 2_000, message: 'INFO ok key=in/b.csv' },
  ]);
  const cli = async (args: string[]) => JSON.parse(await awsCli(CLIENTS.awsCliV1, emulator().endpoint, ['logs', ...args]));
  const { queryId } = await cli([
    'start-query',
    '--log-group-name',
    group,
    '--start-time',
    String(seconds(T0)),
    '--end-time',
    String(seconds(T0) + 60),
    '--query-string',
    'parse @message "key=*" as failedKey | filter @message like /ERROR/ | fields failedKey',
  ]);
  expect(queryId).toMatch(/^[0-9a-f-]{36}$/);
  const out = await waitFor(
    async () => {
      const r = await cli(['get-query-results', '--query-id', queryId]);
      return r.status === 'Complete' ? r : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'the CLI to see the query complete' },
  );
  expect(out.results).toEqual([[{ field: 'failedKey', value: 'in/a.csv' }, { field: '@ptr', value: expect.any(String) }]]);
  expect(out.statistics).toMatchObject({ recordsMatched: 1, recordsScanned: 2 });
}, 120_000);
