import { s3Event, s3Record, snsEnvelope, sqsEvent, sqsRecord, testEvent } from './fixtures';

/**
 * The data processor loads the S3 client only when an event needs S3: in a fresh environment an
 * s3:TestEvent (which S3 sends when the pipeline's notifications are configured, so often the first thing a
 * fanout function sees) is answered without loading the SDK.
 */
describe('data processor: the SDK is loaded on first use', () => {
  let loads = 0;

  beforeEach(() => {
    loads = 0;
    jest.resetModules();
    jest.doMock('@aws-sdk/client-s3', () => {
      loads++;
      return jest.requireActual('@aws-sdk/client-s3');
    });
  });
  afterEach(() => jest.dontMock('@aws-sdk/client-s3'));

  it('not at import, nor for an s3:TestEvent or a key under reports/', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require('../../handlers/data-processor') as typeof import('../../handlers/data-processor');
    expect(loads).toBe(0);
    const ownOutput = s3Event(s3Record('reports/data/a.json.report.json'));
    const event = sqsEvent(sqsRecord(snsEnvelope(testEvent)), sqsRecord(ownOutput, { messageId: 'm-2' }));
    await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });
    expect(loads).toBe(0);
  });

  it('once the first S3 client is made', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const store = require('../../handlers/data-processor/object-store') as typeof import('../../handlers/data-processor/object-store');
    const client = store.defaultS3Client();
    expect(loads).toBe(1);
    expect(client.config.forcePathStyle).toBe(true);
    client.destroy();
  });
});
