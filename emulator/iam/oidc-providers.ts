import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { withoutTags } from '../core/tags';
import { iamNow, mergeTags, noSuchEntity, type IamState, type OidcProvider } from './model';
import { page } from './paging';

const MAX_THUMBPRINTS = 5;
const MAX_CLIENT_IDS = 100;
const HEX40 = /^[0-9a-fA-F]{40}$/;

/** The provider's host and path, as IAM names it in the ARN and answers it in GetOpenIDConnectProvider: no scheme, no trailing slash. */
const hostAndPath = (url: string) => url.replace(/^https:\/\//i, '').replace(/\/+$/, '');

function checkUrl(url: string | undefined): string {
  if (url === undefined) throw constraintViolation('ValidationError', 'url', url, 'Member must not be null');
  if (url.length < 1 || url.length > 255) throw constraintViolation('ValidationError', 'url', url, 'Member must have length less than or equal to 255');
  if (!/^https:\/\/[^/\s]+/i.test(url)) throw new AwsError('ValidationError', 'Invalid Open ID Connect Provider URL', 400);
  return url;
}

/** Thumbprints are optional (IAM trusts the root CAs of well-known IdPs); when given, each is a SHA-1 in 40 hex digits. */
function checkThumbprints(list: string[] | undefined): string[] {
  const thumbprints = list ?? [];
  if (thumbprints.length > MAX_THUMBPRINTS) throw new AwsError('LimitExceeded', `Thumbprint list must contain fewer than ${MAX_THUMBPRINTS} entries.`, 409);
  for (const t of thumbprints) {
    if (t.length !== 40) {
      throw constraintViolation('ValidationError', 'thumbprintList', `[${thumbprints.join(', ')}]`, 'Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]');
    }
    if (!HEX40.test(t)) throw new AwsError('InvalidInput', `Thumbprint ${t} is not a valid hexadecimal SHA-1 fingerprint.`, 400);
  }
  return [...thumbprints];
}

function checkClientId(id: string | undefined, field: string): string {
  if (id === undefined) throw constraintViolation('ValidationError', field, id, 'Member must not be null');
  if (id.length < 1 || id.length > 255) throw constraintViolation('ValidationError', field, id, 'Member must have length less than or equal to 255');
  return id;
}

function addClientId(provider: OidcProvider, id: string): void {
  if (provider.ClientIDList.includes(id)) return;
  if (provider.ClientIDList.length >= MAX_CLIENT_IDS) {
    throw new AwsError('LimitExceeded', `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`, 409);
  }
  provider.ClientIDList.push(id);
}

/** OpenID Connect providers, as Terraform's aws_iam_openid_connect_provider (GitHub Actions, EKS IRSA) manages them. */
export function oidcProviderOperations(state: IamState) {
  const find = (arn: string | undefined): OidcProvider => {
    const provider = arn === undefined ? undefined : state.oidcProviders.get(arn);
    if (!provider) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
    return provider;
  };
  return {
    CreateOpenIDConnectProvider(input: any, ctx: RequestContext) {
      const url = checkUrl(input.Url);
      const thumbprints = checkThumbprints(input.ThumbprintList);
      const arn = `arn:aws:iam::${ctx.accountId}:oidc-provider/${hostAndPath(url)}`;
      if (state.oidcProviders.has(arn)) throw new AwsError('EntityAlreadyExists', `Provider with url ${url} already exists.`, 409);
      const provider: OidcProvider = { Arn: arn, Url: url, ClientIDList: [], ThumbprintList: thumbprints, CreateDate: iamNow(state), Tags: mergeTags([], input.Tags) };
      for (const id of input.ClientIDList ?? []) addClientId(provider, checkClientId(id, 'clientIDList'));
      state.oidcProviders.set(arn, provider);
      return { OpenIDConnectProviderArn: arn, Tags: provider.Tags.length ? provider.Tags : undefined };
    },
    GetOpenIDConnectProvider(input: any) {
      const p = find(input.OpenIDConnectProviderArn);
      return { Url: hostAndPath(p.Url), ClientIDList: p.ClientIDList, ThumbprintList: p.ThumbprintList, CreateDate: p.CreateDate, Tags: p.Tags };
    },
    ListOpenIDConnectProviders() {
      return { OpenIDConnectProviderList: [...state.oidcProviders.keys()].map((Arn) => ({ Arn })) };
    },
    /** Idempotent, as AWS documents: deleting a provider that does not exist succeeds. */
    DeleteOpenIDConnectProvider(input: any) {
      state.oidcProviders.delete(input.OpenIDConnectProviderArn);
      return {};
    },
    /** Adding a client id the provider already has changes nothing. */
    AddClientIDToOpenIDConnectProvider(input: any) {
      addClientId(find(input.OpenIDConnectProviderArn), checkClientId(input.ClientID, 'clientID'));
      return {};
    },
    /** Removing a client id the provider does not have succeeds, as AWS documents. */
    RemoveClientIDFromOpenIDConnectProvider(input: any) {
      const p = find(input.OpenIDConnectProviderArn);
      p.ClientIDList = p.ClientIDList.filter((id) => id !== input.ClientID);
      return {};
    },
    UpdateOpenIDConnectProviderThumbprint(input: any) {
      const p = find(input.OpenIDConnectProviderArn);
      if (input.ThumbprintList === undefined) throw constraintViolation('ValidationError', 'thumbprintList', undefined, 'Member must not be null');
      p.ThumbprintList = checkThumbprints(input.ThumbprintList);
      return {};
    },
    TagOpenIDConnectProvider(input: any) {
      const p = find(input.OpenIDConnectProviderArn);
      p.Tags = mergeTags(p.Tags, input.Tags);
      return {};
    },
    UntagOpenIDConnectProvider(input: any) {
      const p = find(input.OpenIDConnectProviderArn);
      p.Tags = withoutTags(p.Tags, input.TagKeys);
      return {};
    },
    ListOpenIDConnectProviderTags(input: any) {
      const { items, ...rest } = page(find(input.OpenIDConnectProviderArn).Tags, input);
      return { Tags: items, ...rest };
    },
  };
}
