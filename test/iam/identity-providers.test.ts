import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  CreateSAMLProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  DeleteSAMLProviderCommand,
  GetAccountSummaryCommand,
  GetOpenIDConnectProviderCommand,
  GetSAMLProviderCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListOpenIDConnectProviderTagsCommand,
  ListSAMLProvidersCommand,
  ListSAMLProviderTagsCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagOpenIDConnectProviderCommand,
  TagSAMLProviderCommand,
  UntagOpenIDConnectProviderCommand,
  UntagSAMLProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  UpdateSAMLProviderCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';
import { samlMetadata } from './saml-metadata';

const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));
const GITHUB = 'https://token.actions.githubusercontent.com';
const THUMB = '6938fd4d98bab03faadb97b34396831e3780aea1';

describe('OpenID Connect providers', () => {
  it('creates a GitHub Actions provider named by its host, lists, reads and deletes it', async () => {
    const client = iam();
    const created = await client.send(
      new CreateOpenIDConnectProviderCommand({ Url: GITHUB, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [THUMB], Tags: [{ Key: 'team', Value: 'ci' }] }),
    );
    const arn = created.OpenIDConnectProviderArn!;
    expect(arn).toBe('arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com');
    const got = await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    expect(got).toMatchObject({ Url: 'token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [THUMB], Tags: [{ Key: 'team', Value: 'ci' }] });
    expect(got.CreateDate).toBeInstanceOf(Date);
    expect((await client.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([{ Arn: arn }]);
    expect((await client.send(new GetAccountSummaryCommand({}))).SummaryMap!.Providers).toBe(1);

    expect(await refused(client.send(new CreateOpenIDConnectProviderCommand({ Url: GITHUB, ClientIDList: ['x'] })))).toEqual({
      name: 'EntityAlreadyExistsException',
      message: `Provider with url ${GITHUB} already exists.`,
      status: 409,
    });

    await client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    expect(await refused(client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })))).toEqual({
      name: 'NoSuchEntityException',
      message: `OpenIDConnect Provider not found for arn ${arn}`,
      status: 404,
    });
    // Deleting again succeeds: AWS documents the operation as idempotent.
    await client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  });

  it('takes no thumbprint, and checks the ones given are 40 hex digits', async () => {
    const client = iam();
    const { OpenIDConnectProviderArn: arn } = await client.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC123', ClientIDList: ['sts.amazonaws.com'] }));
    expect(arn).toBe('arn:aws:iam::000000000000:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123');
    expect((await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ThumbprintList).toEqual([]);

    expect((await refused(client.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: ['abc'] })))).name).toBe('ValidationError');
    expect((await refused(client.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: ['z'.repeat(40)] })))).name).toBe('InvalidInputException');
    expect((await refused(client.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://insecure.example.com' })))).name).toBe('ValidationError');
    const six = Array.from({ length: 6 }, (_, i) => String(i).repeat(40));
    expect((await refused(client.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: six })))).name).toBe('LimitExceededException');

    await client.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [THUMB.toUpperCase()] }));
    expect((await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ThumbprintList).toEqual([THUMB.toUpperCase()]);
    await client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  });

  it('adds and removes client ids (both idempotent) and tags', async () => {
    const client = iam();
    const { OpenIDConnectProviderArn: arn } = await client.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://accounts.example.com/', ClientIDList: ['a'] }));
    await client.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'b' }));
    await client.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'b' }));
    await client.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'a' }));
    await client.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'never-added' }));
    expect((await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ClientIDList).toEqual(['b']);

    await client.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'k1', Value: 'v1' }, { Key: 'k2', Value: 'v2' }] }));
    await client.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['k1'] }));
    expect((await client.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }))).Tags).toEqual([{ Key: 'k2', Value: 'v2' }]);
    const missing = 'arn:aws:iam::000000000000:oidc-provider/nowhere.example.com';
    expect((await refused(client.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: missing, ClientID: 'x' })))).status).toBe(404);
    await client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  });
});

describe('SAML providers', () => {
  it('keeps the metadata as given, takes ValidUntil from it, and updates, tags and deletes the provider', async () => {
    const client = iam();
    const metadata = samlMetadata('https://idp.example.com', '2031-05-01T00:00:00Z');
    const { SAMLProviderArn: arn } = await client.send(new CreateSAMLProviderCommand({ Name: 'Okta', SAMLMetadataDocument: metadata, Tags: [{ Key: 'idp', Value: 'okta' }] }));
    expect(arn).toBe('arn:aws:iam::000000000000:saml-provider/Okta');
    const got = await client.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
    expect(got.SAMLMetadataDocument).toBe(metadata);
    expect(got.ValidUntil).toEqual(new Date('2031-05-01T00:00:00Z'));
    expect(got.Tags).toEqual([{ Key: 'idp', Value: 'okta' }]);
    expect(got.SAMLProviderUUID).toMatch(/^[0-9a-f-]{36}$/);

    const listed = (await client.send(new ListSAMLProvidersCommand({}))).SAMLProviderList!;
    expect(listed.map((p) => p.Arn)).toEqual([arn]);
    expect(listed[0]!.ValidUntil).toEqual(new Date('2031-05-01T00:00:00Z'));

    expect(await refused(client.send(new CreateSAMLProviderCommand({ Name: 'Okta', SAMLMetadataDocument: metadata })))).toEqual({
      name: 'EntityAlreadyExistsException',
      message: 'Provider with name Okta already exists.',
      status: 409,
    });

    // Without validUntil in the metadata, the provider is valid for a year from the upload.
    const updated = await client.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, SAMLMetadataDocument: samlMetadata('https://idp.example.com') }));
    expect(updated.SAMLProviderArn).toBe(arn);
    const after = await client.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
    const yearAhead = after.ValidUntil!.getTime() - after.CreateDate!.getTime();
    expect(yearAhead).toBeGreaterThanOrEqual(364 * 24 * 3600 * 1000);

    await client.send(new TagSAMLProviderCommand({ SAMLProviderArn: arn, Tags: [{ Key: 'env', Value: 'prod' }] }));
    await client.send(new UntagSAMLProviderCommand({ SAMLProviderArn: arn, TagKeys: ['idp'] }));
    expect((await client.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: arn }))).Tags).toEqual([{ Key: 'env', Value: 'prod' }]);

    await client.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }));
    expect(await refused(client.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn })))).toEqual({ name: 'NoSuchEntityException', message: `Manifest not found for arn ${arn}`, status: 404 });
  });

  it('refuses metadata that is too short or not SAML metadata', async () => {
    const client = iam();
    expect((await refused(client.send(new CreateSAMLProviderCommand({ Name: 'short', SAMLMetadataDocument: '<x/>' })))).name).toBe('ValidationError');
    const notXml = `not xml ${'x'.repeat(1000)}`;
    expect(await refused(client.send(new CreateSAMLProviderCommand({ Name: 'bad', SAMLMetadataDocument: notXml })))).toEqual({ name: 'InvalidInputException', message: 'Could not parse metadata', status: 400 });
    expect((await refused(client.send(new CreateSAMLProviderCommand({ Name: 'bad name!', SAMLMetadataDocument: samlMetadata('x') })))).name).toBe('ValidationError');
  });
});
