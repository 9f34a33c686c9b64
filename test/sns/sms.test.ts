import {
  CheckIfPhoneNumberIsOptedOutCommand,
  CreateTopicCommand,
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  ListPhoneNumbersOptedOutCommand,
  OptInPhoneNumberCommand,
  PublishCommand,
  SetSMSAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { startEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

/*
 * An SMS subscriber of a topic (an on-call phone on the alert topic) received nothing: the subscription was
 * accepted and each message skipped, so a test could not see the alert. SetSMSAttributes, GetSMSAttributes and the
 * opt-out calls answered NotImplemented. Now the message lands in the outbox as the phone would show it, with the
 * type and sender ID it would go out with, and the account's SMS settings are kept (also across a restart).
 */
const { emulator, restart } = usePersistentEmulator('sns-sms');
const sns = () => new SNSClient(clientConfig(emulator()));
const outbox = () => emulator().providers.sns!.outbox() as { protocol: string; endpoint: string; body: string; messageId: string; smsType?: string; senderId?: string; subject?: string }[];

describe('SMS subscribers of a topic', () => {
  it('get the message with the display name in capitals before it, as a phone shows it', async () => {
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'oncall', Attributes: { DisplayName: 'PipeAlerts' } }));
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sms', Endpoint: '+15555550100' }));
    const { MessageId } = await sns().send(new PublishCommand({ TopicArn, Subject: 'ignored for SMS', Message: 'DLQ has 3 messages' }));
    const sms = await waitFor(() => outbox().find((e) => e.messageId === MessageId), { what: 'the SMS in the outbox' });
    expect(sms).toMatchObject({ protocol: 'sms', endpoint: '+15555550100', body: 'PIPEALERTS> DLQ has 3 messages', smsType: 'Promotional' });
    expect(sms.subject).toBeUndefined();
  });

  it('take the sms entry of a json message structure, and no prefix without a display name', async () => {
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'plain' }));
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sms', Endpoint: '+15555550101' }));
    const Message = JSON.stringify({ default: 'long text for email', sms: 'short text' });
    const { MessageId } = await sns().send(new PublishCommand({ TopicArn, Message, MessageStructure: 'json' }));
    const sms = await waitFor(() => outbox().find((e) => e.messageId === MessageId), { what: 'the SMS in the outbox' });
    expect(sms.body).toBe('short text');
  });
});

describe('SMS settings', () => {
  it('SetSMSAttributes keeps the account defaults; GetSMSAttributes returns all or those asked for', async () => {
    await sns().send(new SetSMSAttributesCommand({ attributes: { DefaultSMSType: 'Transactional', DefaultSenderID: 'Pipeline1' } }));
    await sns().send(new SetSMSAttributesCommand({ attributes: { MonthlySpendLimit: '20' } }));
    expect((await sns().send(new GetSMSAttributesCommand({}))).attributes).toEqual({
      DefaultSMSType: 'Transactional',
      DefaultSenderID: 'Pipeline1',
      MonthlySpendLimit: '20',
    });
    expect((await sns().send(new GetSMSAttributesCommand({ attributes: ['DefaultSMSType'] }))).attributes).toEqual({ DefaultSMSType: 'Transactional' });
  });

  it('a direct SMS goes out with the defaults unless its own attributes say otherwise', async () => {
    await sns().send(new SetSMSAttributesCommand({ attributes: { DefaultSMSType: 'Transactional', DefaultSenderID: 'Pipeline1' } }));
    const first = await sns().send(new PublishCommand({ PhoneNumber: '+15555550102', Message: 'one' }));
    const second = await sns().send(
      new PublishCommand({
        PhoneNumber: '+15555550102',
        Message: 'two',
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Promotional' },
          'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'Other' },
        },
      }),
    );
    expect(outbox().find((e) => e.messageId === first.MessageId)).toMatchObject({ smsType: 'Transactional', senderId: 'Pipeline1', body: 'one' });
    expect(outbox().find((e) => e.messageId === second.MessageId)).toMatchObject({ smsType: 'Promotional', senderId: 'Other', body: 'two' });
  });

  it('refuses an unknown attribute or a bad value, and keeps what was set', async () => {
    await sns().send(new SetSMSAttributesCommand({ attributes: { DefaultSMSType: 'Transactional' } }));
    const refused: Record<string, string>[] = [{ NoSuchThing: '1' }, { DefaultSMSType: 'Urgent' }, { DeliveryStatusSuccessSamplingRate: '101' }, { DefaultSenderID: 'has space' }];
    for (const attributes of refused) {
      await expect(sns().send(new SetSMSAttributesCommand({ attributes }))).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    }
    expect((await sns().send(new GetSMSAttributesCommand({ attributes: ['DefaultSMSType'] }))).attributes).toEqual({ DefaultSMSType: 'Transactional' });
  });

  it('are kept across a restart with --data-dir', async () => {
    await sns().send(new SetSMSAttributesCommand({ attributes: { DefaultSenderID: 'Kept' } }));
    await restart();
    expect((await sns().send(new GetSMSAttributesCommand({ attributes: ['DefaultSenderID'] }))).attributes).toEqual({ DefaultSenderID: 'Kept' });
  });

  it('opt-out calls: nobody has opted out of the emulator; a malformed number is refused', async () => {
    expect((await sns().send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: '+15555550103' }))).isOptedOut).toBe(false);
    expect((await sns().send(new ListPhoneNumbersOptedOutCommand({}))).phoneNumbers).toEqual([]);
    await sns().send(new OptInPhoneNumberCommand({ phoneNumber: '+15555550103' }));
    await expect(sns().send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: 'not-a-number' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    expect((await sns().send(new GetSMSSandboxAccountStatusCommand({}))).IsInSandbox).toBe(false);
  });
});

it('settings are per Region', async () => {
  const emu = await startEmulator({ port: 0, log: () => {} });
  try {
    const east = new SNSClient(clientConfig(emu));
    const west = new SNSClient({ ...clientConfig(emu), region: 'eu-west-1' });
    await east.send(new SetSMSAttributesCommand({ attributes: { DefaultSMSType: 'Transactional' } }));
    expect((await west.send(new GetSMSAttributesCommand({}))).attributes).toEqual({});
  } finally {
    await emu.stop();
  }
});
