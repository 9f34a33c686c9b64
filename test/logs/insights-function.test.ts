import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, payload, uniqueName } from '../lambda/helpers';

/*
 * What a harness user asserts: "the error handler logged the failed key", queried with Logs Insights from the log
 * group the emulator's Lambda writes (its runtime's text lines and its START/END/REPORT lines).
 */
const emulator = useEmulator({ log: () => {} });

it('finds the key a function logged as failed, and the REPORT line of that invocation', async () => {
  const lambda = lambdaClient(emulator());
  const logs = new CloudWatchLogsClient(clientConfig(emulator()));
  const name = uniqueName('insights-handler');
  await deployNode(lambda, name, `exports.handler = async (event) => { if (event.fail) console.error('failed key=' + event.key); else console.log('ok key=' + event.key); return 'done'; };`);
  await lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload({ key: 'in/good.csv' }) }));
  await lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload({ key: 'in/bad.csv', fail: true }) }));

  const now = Math.floor(emulator().clock.now() / 1000);
  const run = (queryString: string) =>
    waitFor(
      async () => {
        const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: `/aws/lambda/${name}`, startTime: now - 3600, endTime: now + 60, queryString }));
        const out = await waitFor(async () => {
          const r = await logs.send(new GetQueryResultsCommand({ queryId }));
          return r.status === 'Complete' ? r : undefined;
        });
        const found = (out.results ?? []).map((r) => Object.fromEntries(r.map((f) => [f.field, f.value])));
        return found.length ? found : undefined;
      },
      { timeoutMs: 30_000, what: `results of ${queryString}` },
    );

  const failed = await run('filter @message like /failed key=/ | parse @message /failed key=(?<failedKey>\\S+)/ | fields @requestId, failedKey');
  expect(failed).toEqual([{ '@requestId': expect.stringMatching(/^[0-9a-f-]{36}$/), failedKey: 'in/bad.csv', '@ptr': expect.any(String) }]);
  const report = await run(`filter @type = "REPORT" and @requestId = "${failed[0]!['@requestId']}" | fields @duration, @billedDuration, @memorySize`);
  expect(report).toEqual([{ '@duration': expect.stringMatching(/^[\d.]+$/), '@billedDuration': expect.stringMatching(/^\d+$/), '@memorySize': '128000000', '@ptr': expect.any(String) }]);
  lambda.destroy();
}, 60_000);
