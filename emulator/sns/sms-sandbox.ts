import type * as SNS from '@aws-sdk/client-sns';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { randomHex, uuid } from '../core/ids';
import { offsetPage } from '../core/paging';
import type { SnsDelivery } from './delivery';
import type { Out } from './publish';
import type { SnsStore } from './store';
import { invalidParameter } from './validation';

/**
 * SMS sandbox destination numbers (Create/Verify/Delete/ListSMSSandboxPhoneNumbers), per account and Region.
 * The one-time password goes where every SMS the emulator "sends" goes: an `sms` entry in the outbox for that
 * number, so a test reads it there and verifies with it. The account stays out of the sandbox
 * (GetSMSSandboxAccountStatus), so Publish never needs a verified number; the list is kept for tools that manage it.
 */

export interface SandboxNumber {
  phoneNumber: string;
  status: 'Pending' | 'Verified';
  /** The last one-time password sent; a new Create sends a new one. */
  otp: string;
  languageCode: string;
}

// The API's own pattern for a sandbox destination number.
const SANDBOX_PHONE = /^(\+[0-9]{8,}|[0-9]{0,9})$/;
const LANGUAGES = ['en-US', 'en-GB', 'es-419', 'es-ES', 'de-DE', 'fr-CA', 'fr-FR', 'it-IT', 'ja-JP', 'pt-BR', 'kr-KR', 'zh-CN', 'zh-TW'];

const sandboxKey = (ctx: RequestContext, phone: string) => `${ctx.accountId}:${ctx.region}:${phone}`;

function checkPhone(value: string | undefined): string {
  if (!value || value.length > 20 || !SANDBOX_PHONE.test(value)) throw invalidParameter(`PhoneNumber Reason: ${value ?? ''} is not a valid phone number`);
  return value;
}

const notFound = () => new AwsError('ResourceNotFound', 'Phone number does not exist in the SMS sandbox', 404);

export function smsSandboxOperations(store: SnsStore, delivery: SnsDelivery, now: () => number) {
  const numbers = store.sandboxNumbers;

  /** The code as the phone would get it, in the outbox (Transactional, as AWS sends OTPs). */
  function sendOtp(n: SandboxNumber): void {
    delivery.outbox.push({
      protocol: 'sms',
      endpoint: n.phoneNumber,
      subscriptionArn: '',
      topicArn: '',
      type: 'Notification',
      messageId: uuid(),
      body: `Your Amazon SNS verification code is: ${n.otp}`,
      smsType: 'Transactional',
      time: now(),
    });
  }

  return {
    async CreateSMSSandboxPhoneNumber(input: SNS.CreateSMSSandboxPhoneNumberCommandInput, ctx: RequestContext): Promise<Out<SNS.CreateSMSSandboxPhoneNumberCommandOutput>> {
      const phone = checkPhone(input.PhoneNumber);
      const languageCode = input.LanguageCode ?? 'en-US';
      if (!LANGUAGES.includes(languageCode)) throw invalidParameter(`LanguageCode Reason: ${languageCode} is not a supported language code`);
      const otp = String(parseInt(randomHex(4), 16) % 1_000_000).padStart(6, '0');
      const key = sandboxKey(ctx, phone);
      // Asking again sends a new code; a number already verified stays verified.
      const n: SandboxNumber = { phoneNumber: phone, status: numbers.get(key)?.status ?? 'Pending', otp, languageCode };
      numbers.set(key, n);
      sendOtp(n);
      return {};
    },

    async VerifySMSSandboxPhoneNumber(input: SNS.VerifySMSSandboxPhoneNumberCommandInput, ctx: RequestContext): Promise<Out<SNS.VerifySMSSandboxPhoneNumberCommandOutput>> {
      const phone = checkPhone(input.PhoneNumber);
      const otp = input.OneTimePassword;
      if (!otp || !/^[0-9]{5,8}$/.test(otp)) throw invalidParameter(`OneTimePassword Reason: must be 5 to 8 digits`);
      const n = numbers.get(sandboxKey(ctx, phone));
      if (!n) throw notFound();
      if (n.otp !== otp) throw new AwsError('VerificationException', 'Invalid one-time password', 400);
      n.status = 'Verified';
      return {};
    },

    async DeleteSMSSandboxPhoneNumber(input: SNS.DeleteSMSSandboxPhoneNumberCommandInput, ctx: RequestContext): Promise<Out<SNS.DeleteSMSSandboxPhoneNumberCommandOutput>> {
      const key = sandboxKey(ctx, checkPhone(input.PhoneNumber));
      if (!numbers.delete(key)) throw notFound();
      return {};
    },

    async ListSMSSandboxPhoneNumbers(input: SNS.ListSMSSandboxPhoneNumbersCommandInput, ctx: RequestContext): Promise<Out<SNS.ListSMSSandboxPhoneNumbersCommandOutput>> {
      const max = input.MaxResults;
      if (max !== undefined && (max < 1 || max > 100)) throw invalidParameter('MaxResults Reason: must be between 1 and 100');
      const prefix = `${ctx.accountId}:${ctx.region}:`;
      const mine = [...numbers].filter(([key]) => key.startsWith(prefix)).map(([, n]) => n);
      const { items, next } = offsetPage(mine, input.NextToken, max ?? 100, 'sms-sandbox', () => invalidParameter('NextToken Reason: invalid token'));
      return { PhoneNumbers: items.map((n) => ({ PhoneNumber: n.phoneNumber, Status: n.status })), ...(next ? { NextToken: next } : {}) };
    },
  };
}
