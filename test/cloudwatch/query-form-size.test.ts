import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { clientConfig, rawRequest, sigv4, useEmulator } from '../helpers/emulator';

/*
 * The Query codec asked "does any form key start with this prefix?" once per list item and structure, and
 * answered by scanning every key: a PutMetricData form of 30,000 values took half a minute to read (quadratic;
 * AWS's largest, 1000 data points of 150 values and counts, half an hour).
 */
const emulator = useEmulator();

describe('CloudWatch Query forms with many values', () => {
  it('reads a PutMetricData of 200 data points with 75 values and counts each promptly', async () => {
    const form = new URLSearchParams({ Action: 'PutMetricData', Version: '2010-08-01', Namespace: 'Harness/QueryForm' });
    for (let d = 1; d <= 200; d++) {
      form.set(`MetricData.member.${d}.MetricName`, 'Many');
      for (let v = 1; v <= 75; v++) {
        form.set(`MetricData.member.${d}.Values.member.${v}`, String(v));
        form.set(`MetricData.member.${d}.Counts.member.${v}`, '1');
      }
    }
    const started = Date.now();
    const res = await rawRequest(emulator(), '/', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: sigv4('monitoring') },
      body: form.toString(),
    });
    expect(res.status).toBe(200);
    // A guard only: the request took about 15 s before, half a second after.
    expect(Date.now() - started).toBeLessThan(8_000);

    const cw = new CloudWatchClient(clientConfig(emulator()));
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Harness/QueryForm',
        MetricName: 'Many',
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(Date.now() + 3_600_000),
        Period: 7200,
        Statistics: ['Sum', 'SampleCount'],
      }),
    );
    const sum = stats.Datapoints!.reduce((n, p) => n + p.Sum!, 0);
    const count = stats.Datapoints!.reduce((n, p) => n + p.SampleCount!, 0);
    expect({ sum, count }).toEqual({ sum: 200 * ((75 * 76) / 2), count: 200 * 75 });
  }, 20_000);
});
