import { createDataProcessor } from '../../handlers/data-processor';
import type { ObjectStore } from '../../handlers/data-processor/object-store';
import { s3Event, s3Record } from '../handlers/fixtures';

// The deliberately non-idempotent processor the fault scenarios use (HARNESS_FAULTS {"appendReports":true}):
// a duplicate delivery must leave two report objects where the real processor leaves one.

function run(env: Record<string, string>) {
  const puts: string[] = [];
  const store: ObjectStore = {
    getObject: async () => ({ text: 'h\n1\n', etag: 'e1', size: 4 }),
    putJson: async (_bucket, key) => {
      puts.push(key);
    },
    copyObject: async () => {},
  };
  const processor = createDataProcessor({ store, env, log: () => {} });
  const event = s3Event(s3Record('data/a.csv', { versionId: 'v1' }));
  return { puts, deliverTwice: async () => (await processor(event), await processor(event)) };
}

describe('appendReports (a handler that is not idempotent)', () => {
  it('the real processor overwrites one report per version', async () => {
    const { puts, deliverTwice } = run({});
    await deliverTwice();
    expect(puts).toEqual(['reports/data/a.csv@v1.json', 'reports/data/a.csv@v1.json']);
  });

  it('the variant writes a report object of its own per delivery', async () => {
    const { puts, deliverTwice } = run({ HARNESS_FAULTS: JSON.stringify({ appendReports: true }) });
    await deliverTwice();
    expect(puts).toHaveLength(2);
    expect(new Set(puts).size).toBe(2);
    for (const key of puts) expect(key).toMatch(/^reports\/data\/a\.csv@v1\.[0-9a-f]{8}\.json$/);
  });
});
