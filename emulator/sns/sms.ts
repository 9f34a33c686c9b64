import type { SnsAttributeValue } from '../core/delivery';
import type { RequestContext } from '../core/context';
import type { Out } from './publish';
import type { SnsStore } from './store';
import { invalidParameter } from './validation';
import type * as SNS from '@aws-sdk/client-sns';

/**
 * SMS: the account's SMS settings (Set/GetSMSAttributes, per account and Region), the opt-out list (nobody can
 * reply STOP to the emulator, so it stays empty), and the text an SMS subscriber of a topic receives. Messages
 * are never sent; they land in the outbox with the type and sender ID they would go out with.
 */

/** The attributes SetSMSAttributes accepts, each with its check. */
const SMS_ATTRIBUTES: Record<string, (value: string) => boolean> = {
  MonthlySpendLimit: (v) => /^\d+$/.test(v),
  DeliveryStatusIAMRole: (v) => v === '' || /^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(v),
  DeliveryStatusSuccessSamplingRate: (v) => /^\d+$/.test(v) && Number(v) <= 100,
  // 1–11 letters and digits, at least one letter.
  DefaultSenderID: (v) => /^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/.test(v),
  DefaultSMSType: (v) => v === 'Promotional' || v === 'Transactional',
  UsageReportS3Bucket: (v) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v),
};

export const E164 = /^\+?[1-9]\d{1,14}$/;

export function smsOperations(store: SnsStore) {
  const settings = (ctx: RequestContext) => store.smsSettings(ctx.accountId, ctx.region);
  const phoneNumber = (value: string | undefined) => {
    if (!value || !E164.test(value)) throw invalidParameter(`PhoneNumber Reason: ${value ?? ''} is not a valid phone number`);
    return value;
  };

  return {
    async SetSMSAttributes(input: SNS.SetSMSAttributesCommandInput, ctx: RequestContext): Promise<Out<SNS.SetSMSAttributesCommandOutput>> {
      const given = input.attributes ?? {};
      for (const [name, value] of Object.entries(given)) {
        const check = SMS_ATTRIBUTES[name];
        if (!check) throw invalidParameter(`${name} Reason: unknown attribute`);
        if (!check(value)) throw invalidParameter(`${name} Reason: ${value} is not a valid value`);
      }
      store.smsAttributes.set(`${ctx.accountId}:${ctx.region}`, { ...settings(ctx), ...given });
      return {};
    },

    async GetSMSAttributes(input: SNS.GetSMSAttributesCommandInput, ctx: RequestContext): Promise<Out<SNS.GetSMSAttributesCommandOutput>> {
      const all = settings(ctx);
      const wanted = input.attributes?.length ? input.attributes : Object.keys(all);
      return { attributes: Object.fromEntries(wanted.filter((n) => n in all).map((n) => [n, all[n]!])) };
    },

    async CheckIfPhoneNumberIsOptedOut(input: SNS.CheckIfPhoneNumberIsOptedOutCommandInput): Promise<Out<SNS.CheckIfPhoneNumberIsOptedOutCommandOutput>> {
      phoneNumber(input.phoneNumber);
      return { isOptedOut: false };
    },

    async ListPhoneNumbersOptedOut(): Promise<Out<SNS.ListPhoneNumbersOptedOutCommandOutput>> {
      return { phoneNumbers: [] };
    },

    async OptInPhoneNumber(input: SNS.OptInPhoneNumberCommandInput): Promise<Out<SNS.OptInPhoneNumberCommandOutput>> {
      phoneNumber(input.phoneNumber);
      return {};
    },

    /** Out of the sandbox, so a message may go to any number without verifying it first (sandbox numbers: sms-sandbox.ts). */
    async GetSMSSandboxAccountStatus(): Promise<Out<SNS.GetSMSSandboxAccountStatusCommandOutput>> {
      return { IsInSandbox: false };
    },

    async ListOriginationNumbers(): Promise<Out<SNS.ListOriginationNumbersCommandOutput>> {
      return { PhoneNumbers: [] };
    },
  };
}

/** The type and sender ID an SMS goes out with: the message's own attributes, else the account's defaults. */
export function smsDelivery(accountSettings: Record<string, string>, attributes: Record<string, SnsAttributeValue> | undefined) {
  const own = (name: string) => attributes?.[name]?.StringValue;
  return {
    smsType: own('AWS.SNS.SMS.SMSType') ?? accountSettings.DefaultSMSType ?? 'Promotional',
    senderId: own('AWS.SNS.SMS.SenderID') ?? accountSettings.DefaultSenderID,
  };
}

/** An SMS from a topic starts with the topic's display name, in capitals, and `> ` ("MYTOPIC> Hello"). */
export const smsText = (displayName: string | undefined, message: string): string =>
  displayName ? `${displayName.toUpperCase()}> ${message}` : message;
