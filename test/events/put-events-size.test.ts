import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * PutEvents takes at most 256 KB of entries per request, counted as EventBridge documents ("Calculating PutEvents
 * event entry size"): 14 bytes for a Time, the UTF-8 bytes of Source, DetailType, Detail and each Resource. Over it,
 * the whole request is refused: ValidationException "Total size of the entries in the request is over the limit."
 */
const emulator = useEmulator({ timeScale: 0.001 });
const events = () => new EventBridgeClient({ ...clientConfig(emulator()), maxAttempts: 1 });

/** A Detail of exactly `bytes` UTF-8 bytes. */
const detailOf = (bytes: number) => JSON.stringify({ d: 'x'.repeat(bytes - 8) });

describe('PutEvents size limit', () => {
  const LIMIT = 256 * 1024;
  const fixed = 's'.length + 't'.length + 14 + 'arn:r'.length; // Source, DetailType, Time, one resource

  it('takes entries of 256 KB together, counting Time as 14 bytes and every Resource', async () => {
    const half = Math.floor((LIMIT - 2 * fixed) / 2);
    const entry = (detail: string) => ({ Source: 's', DetailType: 't', Time: new Date(), Resources: ['arn:r'], Detail: detail });
    const ok = await events().send(new PutEventsCommand({ Entries: [entry(detailOf(half)), entry(detailOf(LIMIT - 2 * fixed - half))] }));
    expect(ok.FailedEntryCount).toBe(0);
  });

  it('refuses a request one byte over, whole', async () => {
    const attempt = events().send(
      new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 't', Time: new Date(), Resources: ['arn:r'], Detail: detailOf(LIMIT - fixed + 1) }] }),
    );
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('counts UTF-8 bytes, not characters', async () => {
    // 'é' is two bytes: 140,000 of them are 280,000 bytes, over the limit though fewer characters than 256 K.
    const detail = JSON.stringify({ d: 'é'.repeat(140_000) });
    await expect(events().send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 't', Detail: detail }] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});
