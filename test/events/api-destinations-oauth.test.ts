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

const tokenRequests: { secret: string; answer: (token: string) => void }[] = [];
const hookAuthorizations: string[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url!.startsWith('/token')) {
        const [, secret] = Buffer.from(String(req.headers.authorization).replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
        tokenRequests.push({ secret: secret!, answer: (token) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: token })) });
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
