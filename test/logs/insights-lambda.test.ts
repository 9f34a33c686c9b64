import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { query, rows, T0, writeEvents } from './insights-helpers';

/* The fields Logs Insights discovers in a Lambda function's own lines: START, END, REPORT and the runtime's text lines. */
const emulator = useEmulator({ log: () => {} });
const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));
const GROUP = '/aws/lambda/thumbnailer';
const R1 = '8fc6f963-411b-58b5-8483-a32130c0f45d';
const R2 = 'd5d410e5-7406-5a1b-888e-4aa7492a313d';

beforeAll(async () => {
  await writeEvents(logs(), GROUP, '2026/12/07/[$LATEST]abc', [
    { timestamp: T0, message: `START RequestId: ${R1} Version: $LATEST\n` },
    { timestamp: T0 + 5, message: `2026-12-07T17:00:00.005Z\t${R1}\tERROR\tfailed key=in/photo.png\n` },
    { timestamp: T0 + 10, message: `END RequestId: ${R1}\n` },
    {
      timestamp: T0 + 11,
      message: `REPORT RequestId: ${R1}\tDuration: 201.67 ms\tBilled Duration: 202 ms\tMemory Size: 128 MB\tMax Memory Used: 81 MB\tInit Duration: 480.25 ms\t\n`,
    },
    { timestamp: T0 + 60_000, message: `START RequestId: ${R2} Version: $LATEST\n` },
    { timestamp: T0 + 60_005, message: `2026-12-07T17:01:00.005Z\t${R2}\tINFO\t{"event":"done","key":"in/other.png"}\n` },
    { timestamp: T0 + 60_010, message: `REPORT RequestId: ${R2}\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 83 MB\t\n` },
  ]);
});

it('reads REPORT lines into @duration, @billedDuration, @memorySize, @maxMemoryUsed and @initDuration', async () => {
  const out = await query(logs(), {
    logGroupName: GROUP,
    queryString: 'filter @type = "REPORT" | fields @requestId, @duration, @billedDuration, @memorySize / 1000000 as mb, @maxMemoryUsed, @initDuration | sort @duration desc',
  });
  expect(rows(out)).toEqual([
    { '@requestId': R1, '@duration': '201.67', '@billedDuration': '202', mb: '128', '@maxMemoryUsed': '81000000', '@initDuration': '480.25' },
    { '@requestId': R2, '@duration': '12', '@billedDuration': '12', mb: '128', '@maxMemoryUsed': '83000000' },
  ]);
});

it('answers the cold-start and latency questions people ask of REPORT lines', async () => {
  const out = await query(logs(), {
    logGroupName: GROUP,
    queryString: 'filter @type = "REPORT" | stats count(*) as invocations, count(@initDuration) as coldStarts, max(@duration) as slowest, avg(@billedDuration) as billed',
  });
  expect(rows(out)).toEqual([{ invocations: '2', coldStarts: '1', slowest: '201.67', billed: '107' }]);
});

it("finds every line of one invocation by @requestId, and the function's JSON after the runtime's prefix", async () => {
  const lines = await query(logs(), { logGroupName: GROUP, queryString: `filter @requestId = "${R1}" | fields @type, @message | sort @timestamp asc` });
  expect(rows(lines).map((r) => r['@type'] ?? r['@message']!.split('\t')[2])).toEqual(['START', 'ERROR', 'END', 'REPORT']);
  const failed = await query(logs(), { logGroupName: GROUP, queryString: 'filter @message like "ERROR" | parse @message "key=*\\n" as failedKey | display failedKey' });
  expect(rows(failed)).toEqual([{ failedKey: 'in/photo.png' }]);
  const json = await query(logs(), { logGroupName: GROUP, queryString: 'filter event = "done" | fields key, @requestId' });
  expect(rows(json)).toEqual([{ key: 'in/other.png', '@requestId': R2 }]);
});
