import { AssumeRoleWithSAMLCommand, DecodeAuthorizationMessageCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createHash } from 'node:crypto';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from '../iam/refused';

const emulator = useEmulator();
const sts = () => new STSClient(clientConfig(emulator()));

const ROLE = 'arn:aws:iam::000000000000:role/saml-admins';
const PROVIDER = 'arn:aws:iam::000000000000:saml-provider/Okta';
const ISSUER = 'http://www.okta.com/exk123';

/** A SAML Response as an IdP posts it to AWS (unsigned: the emulator does not verify signatures). */
function assertion(opts: { roleValue?: string; sessionName?: string; notOnOrAfter?: string; duration?: string } = {}): string {
  const attribute = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<saml2:Attribute Name="${name}"><saml2:AttributeValue xsi:type="xs:string">${value}</saml2:AttributeValue></saml2:Attribute>`;
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Destination="https://signin.aws.amazon.com/saml">
  <saml2:Issuer>${ISSUER}</saml2:Issuer>
  <saml2:Assertion ID="a1" Version="2.0">
    <saml2:Issuer>${ISSUER}</saml2:Issuer>
    <saml2:Subject>
      <saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice@example.com</saml2:NameID>
      <saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml2:SubjectConfirmationData NotOnOrAfter="${opts.notOnOrAfter ?? '2999-01-01T00:00:00Z'}" Recipient="https://signin.aws.amazon.com/saml"/>
      </saml2:SubjectConfirmation>
    </saml2:Subject>
    <saml2:AttributeStatement>
      ${attribute('https://aws.amazon.com/SAML/Attributes/Role', opts.roleValue ?? `${PROVIDER},${ROLE}`)}
      ${attribute('https://aws.amazon.com/SAML/Attributes/RoleSessionName', opts.sessionName ?? 'alice@example.com')}
      ${attribute('https://aws.amazon.com/SAML/Attributes/SessionDuration', opts.duration)}
    </saml2:AttributeStatement>
  </saml2:Assertion>
</saml2p:Response>`;
  return Buffer.from(xml).toString('base64');
}

it('assumes the role the assertion pairs with the provider, as the session it names', async () => {
  const out = await sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: ROLE, PrincipalArn: PROVIDER, SAMLAssertion: assertion({ duration: '7200' }) }));
  expect(out).toMatchObject({
    AssumedRoleUser: { Arn: 'arn:aws:sts::000000000000:assumed-role/saml-admins/alice@example.com' },
    Subject: 'alice@example.com',
    SubjectType: 'persistent',
    Issuer: ISSUER,
    Audience: 'https://signin.aws.amazon.com/saml',
    NameQualifier: createHash('sha1').update(`${ISSUER}000000000000/Okta`).digest('base64'),
  });
  const creds = out.Credentials!;
  // SessionDuration from the assertion: two hours.
  expect(creds.Expiration!.getTime() - Date.now()).toBeGreaterThan(7000 * 1000);
  const asRole = new STSClient({
    ...clientConfig(emulator()),
    credentials: { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! },
  });
  expect((await asRole.send(new GetCallerIdentityCommand({}))).Arn).toBe(out.AssumedRoleUser!.Arn);
});

it('refuses a role the assertion does not grant, an expired assertion and a document that is not SAML', async () => {
  const other = 'arn:aws:iam::000000000000:role/other';
  expect(await refused(sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: other, PrincipalArn: PROVIDER, SAMLAssertion: assertion() })))).toEqual({
    name: 'AccessDenied',
    message: 'Not authorized to perform sts:AssumeRoleWithSAML',
    status: 403,
  });
  const expired = assertion({ notOnOrAfter: '2001-01-01T00:00:00Z' });
  expect((await refused(sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: ROLE, PrincipalArn: PROVIDER, SAMLAssertion: expired })))).name).toBe('ExpiredTokenException');
  const garbage = Buffer.from('hello').toString('base64');
  expect((await refused(sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: ROLE, PrincipalArn: PROVIDER, SAMLAssertion: garbage })))).name).toBe('InvalidIdentityTokenException');
});

it('decodes a base64 JSON authorization message and refuses anything else', async () => {
  const message = { allowed: false, explicitDeny: false, context: { action: 's3:GetObject' } };
  const out = await sts().send(new DecodeAuthorizationMessageCommand({ EncodedMessage: Buffer.from(JSON.stringify(message)).toString('base64') }));
  expect(JSON.parse(out.DecodedMessage!)).toEqual(message);
  expect((await refused(sts().send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'not-a-message' })))).name).toBe('InvalidAuthorizationMessageException');
});
