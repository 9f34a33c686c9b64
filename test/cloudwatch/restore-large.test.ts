import { AlarmHistory, type HistoryItem } from '../../emulator/cloudwatch/history';
import { MetricStore, type Datapoint } from '../../emulator/cloudwatch/metrics';

/**
 * What --data-dir brings back at a restart can be larger than a function call's argument list: a series with a
 * datapoint a second for two days, a busy alarm's history. Spread into push(), 200,000 of them threw RangeError
 * and the restart failed.
 */
const MANY = 200_000;

describe('CloudWatch restore of large saved state', () => {
  it('brings back a series of 200,000 datapoints', () => {
    const store = new MetricStore();
    const id = { namespace: 'App', name: 'Requests', dimensions: [] };
    const points: Datapoint[] = Array.from({ length: MANY }, (_, i) => ({ timestamp: i * 1000, sum: 1, count: 1, min: 1, max: 1 }));
    store.restore(id, points);
    const [series] = [...store.allSeries()];
    expect(series!.points).toHaveLength(MANY);
    expect(series!.points[MANY - 1]!.timestamp).toBe((MANY - 1) * 1000);
  });

  it('brings back 200,000 alarm history items', () => {
    const history = new AlarmHistory();
    const item = (i: number): HistoryItem => ({
      AlarmName: 'a',
      AlarmType: 'MetricAlarm',
      Timestamp: new Date(i),
      HistoryItemType: 'StateUpdate',
      HistorySummary: `s${i}`,
      HistoryData: '{}',
    });
    history.restore(Array.from({ length: MANY }, (_, i) => item(i)));
    expect(history.all()).toHaveLength(MANY);
    expect(history.all()[MANY - 1]!.HistorySummary).toBe(`s${MANY - 1}`);
  });
});
