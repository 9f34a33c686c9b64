import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { withoutTags } from '../core/tags';
import { iamNow, mergeTags, noSuchEntity, type IamState, type SamlProvider } from './model';
import { page } from './paging';

const NAME = /^[\w._-]+$/;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The metadata's root element, whatever namespace prefix the IdP gives it (`md:EntityDescriptor`, `EntityDescriptor`). */
function entityDescriptor(doc: Record<string, any>): Record<string, any> | undefined {
  const key = Object.keys(doc).find((k) => k === 'EntityDescriptor' || k.endsWith(':EntityDescriptor'));
  return key === undefined ? undefined : doc[key];
}

/**
 * A SAML metadata document as IAM takes it: 1,000 to 10,000,000 characters of well-formed XML whose root is an
 * EntityDescriptor. Its `validUntil` attribute, when it has one, is when the provider expires; otherwise a year ahead
 * of the upload (IAM's own rule for that case is not documented). Signatures and certificates are not checked.
 */
function checkMetadata(document: string | undefined, now: Date): { document: string; validUntil: Date } {
  if (document === undefined) throw constraintViolation('ValidationError', 'sAMLMetadataDocument', document, 'Member must not be null');
  if (document.length < 1000) throw constraintViolation('ValidationError', 'sAMLMetadataDocument', document, 'Member must have length greater than or equal to 1000');
  if (document.length > 10_000_000) throw constraintViolation('ValidationError', 'sAMLMetadataDocument', '…', 'Member must have length less than or equal to 10000000');
  const invalid = () => new AwsError('InvalidInput', 'Could not parse metadata', 400);
  if (XMLValidator.validate(document) !== true) throw invalid();
  const root = entityDescriptor(new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(document));
  if (!root || typeof root !== 'object') throw invalid();
  const stated = typeof root['@validUntil'] === 'string' ? new Date(root['@validUntil']) : undefined;
  const validUntil = stated && !Number.isNaN(stated.getTime()) ? new Date(Math.floor(stated.getTime() / 1000) * 1000) : new Date(now.getTime() + YEAR_MS);
  return { document, validUntil };
}

function checkName(name: string | undefined): string {
  if (name === undefined) throw constraintViolation('ValidationError', 'name', name, 'Member must not be null');
  if (name.length < 1 || name.length > 128) throw constraintViolation('ValidationError', 'name', name, 'Member must have length less than or equal to 128');
  if (!NAME.test(name)) throw constraintViolation('ValidationError', 'name', name, 'Member must satisfy regular expression pattern: [\\w._-]+');
  return name;
}

/** SAML 2.0 identity providers (AD FS, Okta, Entra ID): the metadata is stored as given, for AssumeRoleWithSAML trust policies to name. */
export function samlProviderOperations(state: IamState) {
  const find = (arn: string | undefined): SamlProvider => {
    const provider = arn === undefined ? undefined : state.samlProviders.get(arn);
    if (!provider) throw noSuchEntity(`Manifest not found for arn ${arn}`);
    return provider;
  };
  return {
    CreateSAMLProvider(input: any, ctx: RequestContext) {
      const name = checkName(input.Name);
      const created = iamNow(state);
      const { document, validUntil } = checkMetadata(input.SAMLMetadataDocument, created);
      const arn = `arn:aws:iam::${ctx.accountId}:saml-provider/${name}`;
      if (state.samlProviders.has(arn)) throw new AwsError('EntityAlreadyExists', `Provider with name ${name} already exists.`, 409);
      const provider: SamlProvider = {
        Arn: arn,
        Name: name,
        SAMLProviderUUID: uuid(),
        SAMLMetadataDocument: document,
        CreateDate: created,
        ValidUntil: validUntil,
        AssertionEncryptionMode: input.AssertionEncryptionMode,
        Tags: mergeTags([], input.Tags),
      };
      state.samlProviders.set(arn, provider);
      return { SAMLProviderArn: arn, Tags: provider.Tags.length ? provider.Tags : undefined };
    },
    GetSAMLProvider(input: any) {
      const p = find(input.SAMLProviderArn);
      return {
        SAMLProviderUUID: p.SAMLProviderUUID,
        SAMLMetadataDocument: p.SAMLMetadataDocument,
        CreateDate: p.CreateDate,
        ValidUntil: p.ValidUntil,
        AssertionEncryptionMode: p.AssertionEncryptionMode,
        Tags: p.Tags,
      };
    },
    /** A new metadata document (the IdP rotated its certificate) or encryption mode; the ARN stays. */
    UpdateSAMLProvider(input: any) {
      const p = find(input.SAMLProviderArn);
      if (input.SAMLMetadataDocument !== undefined) {
        const { document, validUntil } = checkMetadata(input.SAMLMetadataDocument, iamNow(state));
        p.SAMLMetadataDocument = document;
        p.ValidUntil = validUntil;
      }
      if (input.AssertionEncryptionMode !== undefined) p.AssertionEncryptionMode = input.AssertionEncryptionMode;
      return { SAMLProviderArn: p.Arn };
    },
    DeleteSAMLProvider(input: any) {
      state.samlProviders.delete(find(input.SAMLProviderArn).Arn);
      return {};
    },
    ListSAMLProviders() {
      return { SAMLProviderList: [...state.samlProviders.values()].map((p) => ({ Arn: p.Arn, ValidUntil: p.ValidUntil, CreateDate: p.CreateDate })) };
    },
    TagSAMLProvider(input: any) {
      const p = find(input.SAMLProviderArn);
      p.Tags = mergeTags(p.Tags, input.Tags);
      return {};
    },
    UntagSAMLProvider(input: any) {
      const p = find(input.SAMLProviderArn);
      p.Tags = withoutTags(p.Tags, input.TagKeys);
      return {};
    },
    ListSAMLProviderTags(input: any) {
      const { items, ...rest } = page(find(input.SAMLProviderArn).Tags, input);
      return { Tags: items, ...rest };
    },
  };
}
