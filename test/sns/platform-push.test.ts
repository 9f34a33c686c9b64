import {
  CreatePlatformApplicationCommand,
  CreatePlatformEndpointCommand,
  CreateTopicCommand,
  DeleteEndpointCommand,
  DeletePlatformApplicationCommand,
  GetEndpointAttributesCommand,
  GetPlatformApplicationAttributesCommand,
  ListEndpointsByPlatformApplicationCommand,
  ListPlatformApplicationsCommand,
  PublishCommand,
  SetEndpointAttributesCommand,
  SetPlatformApplicationAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { waitFor } from '../../harness/wait';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

/*
 * Mobile push answered NotImplemented: an app that registers devices (CreatePlatformApplication,
 * CreatePlatformEndpoint) and pushes to them (Publish with TargetArn, or a topic with `application` subscribers)
 * could not be tested at all, and a device subscribed to a topic was silently skipped. Now applications and
 * endpoints behave as on AWS (credentials write-only, idempotent endpoints per token, disabled endpoints refused)
 * and each push lands in the outbox with the platform and device token it would go to.
 */
const { emulator, restart } = usePersistentEmulator('sns-push');
const sns = () => new SNSClient(clientConfig(emulator()));
interface Entry { protocol: string; endpoint: string; body: string; messageId: string; platform?: string; token?: string; subscriptionArn: string; topicArn: string }
const outbox = () => emulator().providers.sns!.outbox() as Entry[];

const gcmApp = async (Name: string) =>
  (await sns().send(new CreatePlatformApplicationCommand({ Name, Platform: 'GCM', Attributes: { PlatformCredential: 'fcm-api-key' } }))).PlatformApplicationArn!;
const device = async (PlatformApplicationArn: string, Token: string, CustomUserData?: string) =>
  (await sns().send(new CreatePlatformEndpointCommand({ PlatformApplicationArn, Token, CustomUserData }))).EndpointArn!;

describe('platform applications', () => {
  it('are created with their ARN; the credentials are write-only, the settings readable and changeable', async () => {
    const arn = (
      await sns().send(
        new CreatePlatformApplicationCommand({
          Name: 'ios-app',
          Platform: 'APNS',
          Attributes: { PlatformPrincipal: 'CERT', PlatformCredential: 'PRIVATE KEY' },
        }),
      )
    ).PlatformApplicationArn!;
    expect(arn).toMatch(/^arn:aws:sns:us-east-1:\d{12}:app\/APNS\/ios-app$/);
    expect((await sns().send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn }))).Attributes).toEqual({
      Enabled: 'true',
      AuthenticationMethod: 'Certificate',
    });
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'push-events' }));
    await sns().send(new SetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn, Attributes: { EventEndpointCreated: TopicArn!, SuccessFeedbackSampleRate: '50' } }));
    const attrs = (await sns().send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn }))).Attributes!;
    expect(attrs).toMatchObject({ EventEndpointCreated: TopicArn, SuccessFeedbackSampleRate: '50' });
    expect(attrs.PlatformCredential).toBeUndefined();
    expect(attrs.PlatformPrincipal).toBeUndefined();
  });

  it('are listed 100 a page with a NextToken', async () => {
    const created = new Set<string>();
    for (let i = 0; i < 101; i++) created.add(await gcmApp(`paged-${i}`));
    const listed: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const out = await sns().send(new ListPlatformApplicationsCommand({ NextToken }));
      listed.push(...out.PlatformApplications!.map((a) => a.PlatformApplicationArn!));
      for (const a of out.PlatformApplications!) expect(a.Attributes!.PlatformCredential).toBeUndefined();
      NextToken = out.NextToken;
      pages++;
    } while (NextToken);
    expect(pages).toBeGreaterThanOrEqual(2);
    for (const arn of created) expect(listed).toContain(arn);
  });

  it('deleting one deletes its endpoints, and deleting it again is fine', async () => {
    const app = await gcmApp('short-lived');
    const endpoint = await device(app, 'token-short-lived');
    await sns().send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: app }));
    await sns().send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: app }));
    await expect(sns().send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: app }))).rejects.toMatchObject({
      name: 'NotFoundException',
      message: 'PlatformApplication does not exist',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(sns().send(new GetEndpointAttributesCommand({ EndpointArn: endpoint }))).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('refuse an unknown platform, a bad name and missing credentials', async () => {
    const refused: { Name: string; Platform: string; Attributes: Record<string, string>; message: string | RegExp }[] = [
      { Name: 'x', Platform: 'PIGEON', Attributes: { PlatformCredential: 'k' }, message: 'Invalid parameter: Platform Reason: PIGEON is not supported' },
      { Name: 'has space', Platform: 'GCM', Attributes: { PlatformCredential: 'k' }, message: /^Invalid parameter: Name Reason:/ },
      { Name: 'apns', Platform: 'APNS', Attributes: { PlatformCredential: 'k' }, message: 'Invalid parameter: Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal' },
      { Name: 'gcm', Platform: 'GCM', Attributes: { EventEndpointCreated: '' }, message: /^Invalid parameter: Attributes Reason: PlatformCredential/ },
    ];
    for (const { message, ...input } of refused) {
      await expect(sns().send(new CreatePlatformApplicationCommand(input))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringMatching(typeof message === 'string' ? `^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : message),
        $metadata: { httpStatusCode: 400 },
      });
    }
  });
});

describe('platform endpoints', () => {
  it('are created per token, idempotently; the same token with other attributes is refused', async () => {
    const app = await gcmApp('android-app');
    const arn = await device(app, 'device-token-1', 'user-42');
    expect(arn).toMatch(/^arn:aws:sns:us-east-1:\d{12}:endpoint\/GCM\/android-app\/[0-9a-f-]{36}$/);
    expect((await sns().send(new GetEndpointAttributesCommand({ EndpointArn: arn }))).Attributes).toEqual({ Token: 'device-token-1', Enabled: 'true', CustomUserData: 'user-42' });
    expect(await device(app, 'device-token-1', 'user-42')).toBe(arn);
    await expect(device(app, 'device-token-1', 'user-43')).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: `Invalid parameter: Token Reason: Endpoint ${arn} already exists with the same Token, but different attributes.`,
      $metadata: { httpStatusCode: 400 },
    });
    expect(await device(app, 'device-token-2')).not.toBe(arn);
  });

  it('take Token, Enabled and CustomUserData through SetEndpointAttributes and refuse other names', async () => {
    const app = await gcmApp('settable-app');
    const arn = await device(app, 'old-token');
    await sns().send(new SetEndpointAttributesCommand({ EndpointArn: arn, Attributes: { Token: 'new-token', Enabled: 'false', CustomUserData: 'd' } }));
    expect((await sns().send(new GetEndpointAttributesCommand({ EndpointArn: arn }))).Attributes).toEqual({ Token: 'new-token', Enabled: 'false', CustomUserData: 'd' });
    await expect(sns().send(new SetEndpointAttributesCommand({ EndpointArn: arn, Attributes: { Colour: 'red' } }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Attributes Reason: Invalid attribute name: Colour',
    });
    // Created again without attributes, the token's endpoint now differs (disabled): refused, not a second endpoint.
    await expect(device(app, 'new-token')).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('are listed by application 100 a page; DeleteEndpoint is idempotent', async () => {
    const app = await gcmApp('many-devices');
    const created: string[] = [];
    for (let i = 0; i < 101; i++) created.push(await device(app, `token-${i}`));
    const first = await sns().send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: app }));
    expect(first.Endpoints).toHaveLength(100);
    expect(first.NextToken).toBeDefined();
    const second = await sns().send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: app, NextToken: first.NextToken }));
    expect(second.NextToken).toBeUndefined();
    expect([...first.Endpoints!, ...second.Endpoints!].map((e) => e.EndpointArn)).toEqual(created);
    expect(first.Endpoints![0]!.Attributes).toEqual({ Token: 'token-0', Enabled: 'true' });
    await sns().send(new DeleteEndpointCommand({ EndpointArn: created[0] }));
    await sns().send(new DeleteEndpointCommand({ EndpointArn: created[0] }));
    await expect(sns().send(new GetEndpointAttributesCommand({ EndpointArn: created[0] }))).rejects.toMatchObject({
      name: 'NotFoundException',
      message: 'Endpoint does not exist',
      $metadata: { httpStatusCode: 404 },
    });
  });
});

describe('pushing to devices', () => {
  it('Publish with an endpoint TargetArn lands in the outbox with platform and token; json takes the platform entry', async () => {
    const app = await gcmApp('push-app');
    const arn = await device(app, 'push-token');
    const plain = await sns().send(new PublishCommand({ TargetArn: arn, Message: 'hello device' }));
    const Message = JSON.stringify({ default: 'fallback', GCM: '{"notification":{"title":"hi"}}', APNS: '{"aps":{}}' });
    const json = await sns().send(new PublishCommand({ TargetArn: arn, Message, MessageStructure: 'json' }));
    const onlyGcm = await sns().send(new PublishCommand({ TargetArn: arn, Message: JSON.stringify({ GCM: '{"data":{}}' }), MessageStructure: 'json' }));
    const entry = (id?: string) => outbox().find((e) => e.messageId === id);
    expect(entry(plain.MessageId)).toMatchObject({ protocol: 'application', endpoint: arn, platform: 'GCM', token: 'push-token', body: 'hello device', topicArn: '', subscriptionArn: '' });
    expect(entry(json.MessageId)?.body).toBe('{"notification":{"title":"hi"}}');
    expect(entry(onlyGcm.MessageId)?.body).toBe('{"data":{}}');
  });

  it('a topic delivers to its application subscribers, the APNS entry to an APNS device, and skips a disabled one', async () => {
    const apns = (
      await sns().send(new CreatePlatformApplicationCommand({ Name: 'topic-ios', Platform: 'APNS_SANDBOX', Attributes: { PlatformPrincipal: 'c', PlatformCredential: 'k' } }))
    ).PlatformApplicationArn!;
    const enabled = await device(apns, 'ios-token');
    const disabled = await device(await gcmApp('topic-android'), 'android-token');
    await sns().send(new SetEndpointAttributesCommand({ EndpointArn: disabled, Attributes: { Enabled: 'false' } }));
    const hops: { type: string; messageId?: unknown; endpoint?: unknown }[] = [];
    emulator().bus.onHop((h) => hops.push(h));
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'news' }));
    const sub = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'application', Endpoint: enabled, ReturnSubscriptionArn: true }));
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'application', Endpoint: disabled }));
    const Message = JSON.stringify({ default: 'plain', APNS_SANDBOX: '{"aps":{"alert":"news"}}' });
    const { MessageId } = await sns().send(new PublishCommand({ TopicArn, Message, MessageStructure: 'json' }));
    const got = await waitFor(() => outbox().find((e) => e.messageId === MessageId), { what: 'the push in the outbox' });
    expect(got).toMatchObject({ protocol: 'application', endpoint: enabled, platform: 'APNS_SANDBOX', token: 'ios-token', body: '{"aps":{"alert":"news"}}', topicArn: TopicArn, subscriptionArn: sub.SubscriptionArn });
    await waitFor(() => hops.find((h) => h.type === 'sns.deliver.skipped' && h.messageId === MessageId && h.endpoint === disabled), { what: 'the disabled device skipped' });
    expect(outbox().filter((e) => e.messageId === MessageId)).toHaveLength(1);
  });

  it('Publish to a disabled endpoint fails with EndpointDisabled; to an unknown one with InvalidParameter', async () => {
    const app = await gcmApp('disabled-app');
    const arn = await device(app, 'sleepy-token');
    await sns().send(new SetEndpointAttributesCommand({ EndpointArn: arn, Attributes: { Enabled: 'false' } }));
    await expect(sns().send(new PublishCommand({ TargetArn: arn, Message: 'm' }))).rejects.toMatchObject({
      name: 'EndpointDisabledException',
      message: 'Endpoint is disabled',
      $metadata: { httpStatusCode: 400 },
    });
    await sns().send(new DeleteEndpointCommand({ EndpointArn: arn }));
    await expect(sns().send(new PublishCommand({ TargetArn: arn, Message: 'm' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified',
    });
  });
});

it('applications and endpoints are kept across a restart with --data-dir, and reset() clears them', async () => {
  const app = (
    await sns().send(new CreatePlatformApplicationCommand({ Name: 'kept-app', Platform: 'GCM', Attributes: { PlatformCredential: '{"type":"service_account"}' } }))
  ).PlatformApplicationArn!;
  const arn = await device(app, 'kept-token', 'kept-data');
  await restart();
  expect((await sns().send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: app }))).Attributes).toEqual({ Enabled: 'true', AuthenticationMethod: 'Token' });
  expect((await sns().send(new GetEndpointAttributesCommand({ EndpointArn: arn }))).Attributes).toEqual({ Token: 'kept-token', Enabled: 'true', CustomUserData: 'kept-data' });
  expect(await device(app, 'kept-token', 'kept-data')).toBe(arn);
  const { MessageId } = await sns().send(new PublishCommand({ TargetArn: arn, Message: 'after restart' }));
  expect(outbox().find((e) => e.messageId === MessageId)).toMatchObject({ endpoint: arn, token: 'kept-token' });
  emulator().providers.sns!.reset();
  expect((await sns().send(new ListPlatformApplicationsCommand({}))).PlatformApplications).toEqual([]);
  await expect(sns().send(new GetEndpointAttributesCommand({ EndpointArn: arn }))).rejects.toMatchObject({ name: 'NotFoundException' });
});
