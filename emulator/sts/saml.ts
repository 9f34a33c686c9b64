import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AwsError } from '../core/errors';

const ROLE_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/Role';
const SESSION_NAME_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
const DURATION_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/SessionDuration';

/** What AssumeRoleWithSAML takes from an assertion. */
export interface SamlClaims {
  issuer?: string;
  subject?: string;
  subjectFormat?: string;
  audience?: string;
  notOnOrAfter?: number;
  /** The Role attribute's `role ARN,provider ARN` pairs. */
  rolePairs: { role: string; provider: string }[];
  sessionName?: string;
  sessionDuration?: number;
}

export const invalidAssertion = (detail: string) => new AwsError('InvalidIdentityToken', `Invalid SAML response: ${detail}`, 400);

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** An element's text, whether the parser gave a string or an object with attributes. */
const text = (node: unknown): string | undefined =>
  typeof node === 'string' || typeof node === 'number' ? String(node) : node && typeof node === 'object' ? text((node as Record<string, unknown>)['#text']) : undefined;

/**
 * The claims of a base64 SAML 2.0 Response (or bare Assertion): issuer, subject, audience, expiry and the AWS role,
 * session name and duration attributes. The XML signature is NOT verified: any well-formed assertion is believed.
 */
export function samlClaims(encoded: string): SamlClaims {
  const xml = Buffer.from(encoded, 'base64').toString('utf8');
  if (!xml.trim().startsWith('<') || XMLValidator.validate(xml) !== true) throw invalidAssertion('not a base64-encoded SAML document');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false }).parse(xml);
  const assertion = doc.Response ? list(doc.Response.Assertion)[0] : doc.Assertion;
  if (!assertion || typeof assertion !== 'object') throw invalidAssertion('no Assertion');
  const nameId = assertion.Subject?.NameID;
  const confirmation = list(assertion.Subject?.SubjectConfirmation)[0]?.SubjectConfirmationData;
  const attributes = list(list(assertion.AttributeStatement)[0]?.Attribute);
  const values = (name: string) => list(attributes.find((a: any) => a?.['@Name'] === name)?.AttributeValue).map(text).filter((v): v is string => v !== undefined);
  const expiry = confirmation?.['@NotOnOrAfter'] ?? assertion.Conditions?.['@NotOnOrAfter'];
  const duration = values(DURATION_ATTRIBUTE)[0];
  return {
    issuer: text(assertion.Issuer) ?? text(doc.Response?.Issuer),
    subject: text(nameId),
    subjectFormat: typeof nameId === 'object' ? nameId['@Format'] : undefined,
    audience: confirmation?.['@Recipient'] ?? text(list(assertion.Conditions?.AudienceRestriction)[0]?.Audience),
    notOnOrAfter: expiry === undefined ? undefined : Date.parse(expiry),
    rolePairs: values(ROLE_ATTRIBUTE).map((v) => {
      const [a = '', b = ''] = v.split(',').map((s) => s.trim());
      return a.includes(':saml-provider/') ? { role: b, provider: a } : { role: a, provider: b };
    }),
    sessionName: values(SESSION_NAME_ATTRIBUTE)[0],
    sessionDuration: duration === undefined ? undefined : Number(duration),
  };
}

/** SAML's NameID formats as STS names them: `persistent`, `transient`, or the format's URI when it is another. */
export function subjectType(format: string | undefined): string | undefined {
  if (format === undefined) return undefined;
  const short = /^urn:oasis:names:tc:SAML:2\.0:nameid-format:(persistent|transient)$/.exec(format)?.[1];
  return short ?? format;
}

/** AWS's NameQualifier: base64(SHA-1(issuer + account id + "/" + provider name)), one value per user of one IdP. */
export const nameQualifier = (issuer: string, accountId: string, providerName: string): string =>
  createHash('sha1').update(`${issuer}${accountId}/${providerName}`).digest('base64');
