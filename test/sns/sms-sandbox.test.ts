import {
  CreateSMSSandboxPhoneNumberCommand,
  DeleteSMSSandboxPhoneNumberCommand,
  GetSMSSandboxAccountStatusCommand,
  ListSMSSandboxPhoneNumbersCommand,
  SNSClient,
  VerifySMSSandboxPhoneNumberCommand,
} from '@aws-sdk/client-sns';
import { waitFor } from '../../harness/wait';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

/**
 * SMS sandbox destination numbers: Create sends a one-time password, which lands in the outbox as an SMS to that
 * number; Verify with it makes the number Verified, a wrong one is VerificationException. Kept across a restart.
 */
const { emulator, restart } = usePersistentEmulator('sns-sms-sandbox');
let client: SNSClient | undefined;
const sns = () => (client ??= new SNSClient({ ...clientConfig(emulator()), maxAttempts: 1 }));
afterAll(() => client?.destroy());
const outbox = () => emulator().providers.sns!.outbox() as { protocol: string; endpoint: string; body: string; smsType?: string }[];

/** The last code texted to `phone` (each Create sends a new one). */
async function otpSentTo(phone: string, after = 0): Promise<string> {
  const sms = await waitFor(() => outbox().filter((e) => e.protocol === 'sms' && e.endpoint === phone).slice(after).pop(), { what: `the code sent to ${phone}` });
  expect(sms.smsType).toBe('Transactional');
  return /(\d{5,8})/.exec(sms.body)![1]!;
}

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

const list = async () => (await sns().send(new ListSMSSandboxPhoneNumbersCommand({}))).PhoneNumbers;

describe('SMS sandbox phone numbers', () => {
  it('Create texts a code to the number; a wrong code is refused, the right one verifies it', async () => {
    const phone = '+15555550111';
    await sns().send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: phone, LanguageCode: 'en-US' }));
    expect(await list()).toContainEqual({ PhoneNumber: phone, Status: 'Pending' });
    const code = await otpSentTo(phone);
    expect(code).toMatch(/^\d{6}$/);

    const wrong = code === '000000' ? '111111' : '000000';
    const refused = await rejection(sns().send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: phone, OneTimePassword: wrong })));
    expect(refused.name).toBe('VerificationException');
    expect(await list()).toContainEqual({ PhoneNumber: phone, Status: 'Pending' });

    await sns().send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: phone, OneTimePassword: code }));
    expect(await list()).toContainEqual({ PhoneNumber: phone, Status: 'Verified' });
    // The account itself stays out of the sandbox.
    expect((await sns().send(new GetSMSSandboxAccountStatusCommand({}))).IsInSandbox).toBe(false);
  });

  it('Delete removes a number; unknown numbers are ResourceNotFound; bad numbers are InvalidParameter', async () => {
    const phone = '+15555550112';
    await sns().send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: phone }));
    await sns().send(new DeleteSMSSandboxPhoneNumberCommand({ PhoneNumber: phone }));
    expect((await list())!.map((n) => n.PhoneNumber)).not.toContain(phone);
    expect((await rejection(sns().send(new DeleteSMSSandboxPhoneNumberCommand({ PhoneNumber: phone })))).name).toBe('ResourceNotFoundException');
    expect((await rejection(sns().send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: phone, OneTimePassword: '123456' })))).name).toBe('ResourceNotFoundException');
    expect((await rejection(sns().send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: 'call-me' })))).name).toBe('InvalidParameterException');
  });

  it('ListSMSSandboxPhoneNumbers pages with MaxResults and NextToken', async () => {
    const phones = ['+15555550121', '+15555550122', '+15555550123'];
    for (const p of phones) await sns().send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: p }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await sns().send(new ListSMSSandboxPhoneNumbersCommand({ MaxResults: 2, NextToken: token }));
      expect(out.PhoneNumbers!.length).toBeLessThanOrEqual(2);
      seen.push(...out.PhoneNumbers!.map((n) => n.PhoneNumber!));
      token = out.NextToken;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    for (const p of phones) expect(seen).toContain(p);
  });
});

describe('with --data-dir', () => {
  it('numbers, their status and a code not yet used survive a restart', async () => {
    const verified = '+15555550131';
    const pending = '+15555550132';
    await sns().send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: verified }));
    await sns().send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: verified, OneTimePassword: await otpSentTo(verified) }));
    await sns().send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: pending }));
    const code = await otpSentTo(pending);

    client?.destroy();
    client = undefined;
    await restart();

    const after = await list();
    expect(after).toContainEqual({ PhoneNumber: verified, Status: 'Verified' });
    expect(after).toContainEqual({ PhoneNumber: pending, Status: 'Pending' });
    await sns().send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: pending, OneTimePassword: code }));
    expect(await list()).toContainEqual({ PhoneNumber: pending, Status: 'Verified' });
  });

  it('reset forgets every number', async () => {
    await sns().send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: '+15555550141' }));
    await emulator().reset();
    expect(await list()).toEqual([]);
  });
});
