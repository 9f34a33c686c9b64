import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  DescribeConnectionCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  UpdateConnectionCommand,
} from '@aws-sdk/client-eventbridge';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * An OAuth token request still in flight when UpdateConnection changes the client secret must not supply the
 * token used afterwards: the token endpoint here holds each request until the test answers it.
 */

const emulator = useEmulator({ timeScale: 0.001 });
const events = () => new EventBridgeClient(clientConfig(emulator()));

const tokenRequests: { secret: string; answer: (token: string, expiresIn?: number) => void }[] = [];
const hookAuthorizations: string[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url!.startsWith('/token')) {
        const [, secret] = Buffer.from(String(req.headers.authorization).replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
        tokenRequests.push({ secret: secret!, answer: (token, expiresIn) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: token, expires_in: expiresIn })) });
        return;
      }
      hookAuthorizations.push(String(req.headers.authorization));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const oauth = (secret: string) => ({
  AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS' as const,
  AuthParameters: { OAuthParameters: { AuthorizationEndpoint: `${base}/token`, HttpMethod: 'POST' as const, ClientParameters: { ClientID: 'client', ClientSecret: secret } } },
});

it('a token fetched with the old client secret is not kept once UpdateConnection has changed it', async () => {
  const { ConnectionArn } = await events().send(new CreateConnectionCommand({ Name: 'rotating', ...oauth('old-secret') }));
  const first = await waitFor(() => tokenRequests[0], { what: 'the token request with the old secret' });
  expect(first.secret).toBe('old-secret');

  await events().send(new UpdateConnectionCommand({ Name: 'rotating', ...oauth('new-secret') }));
  const second = await waitFor(() => tokenRequests[1], { what: 'a token request with the new secret' });
  expect(second.secret).toBe('new-secret');
  first.answer('token-from-old-secret');
  second.answer('token-from-new-secret');
  await waitFor(async () => (await events().send(new DescribeConnectionCommand({ Name: 'rotating' }))).ConnectionState === 'AUTHORIZED', {
    what: 'the connection to be authorized',
  });

  const { ApiDestinationArn } = await events().send(
    new CreateApiDestinationCommand({ Name: 'rotating-hook', ConnectionArn, InvocationEndpoint: `${base}/hook`, HttpMethod: 'POST' }),
  );
  await events().send(new PutRuleCommand({ Name: 'to-rotating-hook', EventPattern: JSON.stringify({ source: ['oauth.test'] }) }));
  await events().send(
    new PutTargetsCommand({ Rule: 'to-rotating-hook', Targets: [{ Id: 'hook', Arn: ApiDestinationArn, RoleArn: 'arn:aws:iam::000000000000:role/events' }] }),
  );
  await events().send(new PutEventsCommand({ Entries: [{ Source: 'oauth.test', DetailType: 'test', Detail: '{}' }] }));
  const [authorization] = await waitFor(() => hookAuthorizations.length > 0 && hookAuthorizations, { what: 'the call to the API destination' });
  expect(authorization).toBe('Bearer token-from-new-secret');
  expect(tokenRequests).toHaveLength(2);
});

it('a token is fetched again once its expires_in has run out on the emulator clock', async () => {
  const { ConnectionArn } = await events().send(new CreateConnectionCommand({ Name: 'expiring', ...oauth('s') }));
  const asked = tokenRequests.length;
  const first = await waitFor(() => tokenRequests[asked], { what: 'the first token request' });
  // Used for 3,000 s (3 s here at timeScale 0.001), fetched again 10 s before it runs out: long enough that the
  // set-up below, on a busy machine, still makes its first call with this token (600 s was not, once in ten).
  first.answer('short-1', 3010);
  await waitFor(async () => (await events().send(new DescribeConnectionCommand({ Name: 'expiring' }))).ConnectionState === 'AUTHORIZED', {
    what: 'the connection to be authorized',
  });
  // Taken once the emulator holds the token: its lifetime runs from when the answer arrived, and each real
  // millisecond between the request and the answer is a second here (on a busy machine the wait below ended while
  // the token was still good, and the event went out with it without a new token request).
  const fetchedAt = emulator().clock.now();
  const { ApiDestinationArn } = await events().send(
    new CreateApiDestinationCommand({ Name: 'expiring-hook', ConnectionArn, InvocationEndpoint: `${base}/hook`, HttpMethod: 'POST' }),
  );
  await events().send(new PutRuleCommand({ Name: 'to-expiring-hook', EventPattern: JSON.stringify({ source: ['oauth.expiry'] }) }));
  await events().send(
    new PutTargetsCommand({ Rule: 'to-expiring-hook', Targets: [{ Id: 'hook', Arn: ApiDestinationArn, RoleArn: 'arn:aws:iam::000000000000:role/events' }] }),
  );
  const send = () => events().send(new PutEventsCommand({ Entries: [{ Source: 'oauth.expiry', DetailType: 'test', Detail: '{}' }] }));
  const calls = hookAuthorizations.length;
  await send();
  await waitFor(() => hookAuthorizations.length > calls, { what: 'the first call' });
  expect(hookAuthorizations.at(-1)).toBe('Bearer short-1');
  expect(tokenRequests).toHaveLength(asked + 1);

  // 3,000 s of emulated time: the held token is no longer used.
  await waitFor(() => emulator().clock.now() > fetchedAt + 3_000_000, { what: 'the token lifetime to pass on the emulator clock' });
  await send();
  const second = await waitFor(() => tokenRequests[asked + 1], { what: 'a new token request' });
  second.answer('short-2', 3010);
  await waitFor(() => hookAuthorizations.length > calls + 1, { what: 'the second call' });
  expect(hookAuthorizations.at(-1)).toBe('Bearer short-2');
});
