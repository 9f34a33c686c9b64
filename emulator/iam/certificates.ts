import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { withoutTags } from '../core/tags';
import { userOrCaller } from './caller';
import { getUser, iamId, iamNow, mergeTags, noSuchEntity, userById, type IamState, type ServerCertificate, type SigningCertificate } from './model';
import { page } from './paging';
import { base32Encode } from './totp';
import { checkName, checkPath } from './validation';

const SIGNING_PER_USER = 2;

const malformed = (what = 'certificate') => new AwsError('MalformedCertificate', `Unable to parse ${what}. Please ensure the ${what} is in PEM format.`, 400);

/** An X.509 certificate in PEM, parsed (node's X509Certificate): its expiry, and the check of a private key against it. */
function parseCertificate(body: string | undefined, field: string): X509Certificate {
  if (body === undefined) throw constraintViolation('ValidationError', field, body, 'Member must not be null');
  try {
    return new X509Certificate(body);
  } catch {
    throw malformed();
  }
}

function checkKeyPair(cert: X509Certificate, privateKey: string | undefined): void {
  if (privateKey === undefined) throw constraintViolation('ValidationError', 'privateKey', undefined, 'Member must not be null');
  let key;
  try {
    key = createPrivateKey(privateKey);
  } catch {
    throw malformed('private key');
  }
  if (!cert.checkPrivateKey(key)) throw new AwsError('KeyPairMismatch', 'Public key certificate and private key doesn\'t match.', 400);
}

const metadataView = (c: ServerCertificate) => ({
  Path: c.Path,
  ServerCertificateName: c.ServerCertificateName,
  ServerCertificateId: c.ServerCertificateId,
  Arn: c.Arn,
  UploadDate: c.UploadDate,
  Expiration: c.Expiration,
});

/**
 * Server certificates (HTTPS listeners of classic load balancers, CloudFront) and users' signing certificates. The
 * certificate must parse as PEM X.509 and, for a server certificate, match its private key, which is then dropped:
 * IAM never returns it.
 */
export function certificateOperations(state: IamState) {
  const findServer = (name: string | undefined): ServerCertificate => {
    const cert = name === undefined ? undefined : state.serverCertificates.get(name);
    if (!cert) throw noSuchEntity(`The Server Certificate with name ${name} cannot be found.`);
    return cert;
  };
  const serverArn = (accountId: string, path: string, name: string) => `arn:aws:iam::${accountId}:server-certificate${path}${name}`;

  /** The owner of signing certificates an operation names: a user, or (no UserName, root credentials) the account. */
  const owner = (ctx: RequestContext, name: string | undefined) => {
    const user = userOrCaller(state, ctx, name, (n) => getUser(state, n));
    return { userId: user?.UserId ?? `root:${ctx.accountId}`, userName: user?.UserName };
  };
  const findSigning = (userId: string, id: string | undefined): SigningCertificate => {
    const cert = id === undefined ? undefined : state.signingCertificates.get(id);
    if (!cert || cert.userId !== userId) throw noSuchEntity(`The Certificate with id ${id} cannot be found.`);
    return cert;
  };
  const signingView = (c: SigningCertificate) => ({
    UserName: userById(state, c.userId)?.UserName,
    CertificateId: c.CertificateId,
    CertificateBody: c.CertificateBody,
    Status: c.Status,
    UploadDate: c.UploadDate,
  });
  const checkStatus = (status: string | undefined) => {
    if (status !== 'Active' && status !== 'Inactive') throw constraintViolation('ValidationError', 'status', status, 'Member must satisfy enum value set: [Active, Inactive]');
    return status;
  };

  return {
    UploadServerCertificate(input: any, ctx: RequestContext) {
      const name = checkName('serverCertificateName', input.ServerCertificateName, 128);
      const path = checkPath(input.Path);
      const cert = parseCertificate(input.CertificateBody, 'certificateBody');
      checkKeyPair(cert, input.PrivateKey);
      if (input.CertificateChain !== undefined) parseCertificate(input.CertificateChain, 'certificateChain');
      if (state.serverCertificates.has(name)) throw new AwsError('EntityAlreadyExists', `The Server Certificate with name ${name} already exists.`, 409);
      const record: ServerCertificate = {
        ServerCertificateName: name,
        ServerCertificateId: iamId('ASCA', uuid()),
        Arn: serverArn(ctx.accountId, path, name),
        Path: path,
        UploadDate: iamNow(state),
        Expiration: new Date(cert.validTo),
        CertificateBody: input.CertificateBody,
        CertificateChain: input.CertificateChain,
        Tags: mergeTags([], input.Tags),
      };
      state.serverCertificates.set(name, record);
      return { ServerCertificateMetadata: metadataView(record), Tags: record.Tags.length ? record.Tags : undefined };
    },
    GetServerCertificate(input: any) {
      const c = findServer(input.ServerCertificateName);
      return { ServerCertificate: { ServerCertificateMetadata: metadataView(c), CertificateBody: c.CertificateBody, CertificateChain: c.CertificateChain, Tags: c.Tags } };
    },
    ListServerCertificates(input: any) {
      const prefix: string = input.PathPrefix ?? '/';
      const { items, ...rest } = page([...state.serverCertificates.values()].filter((c) => c.Path.startsWith(prefix)).map(metadataView), input);
      return { ServerCertificateMetadataList: items, ...rest };
    },
    UpdateServerCertificate(input: any, ctx: RequestContext) {
      const c = findServer(input.ServerCertificateName);
      const name = input.NewServerCertificateName === undefined ? c.ServerCertificateName : checkName('newServerCertificateName', input.NewServerCertificateName, 128);
      const path = input.NewPath === undefined ? c.Path : checkPath(input.NewPath);
      if (name !== c.ServerCertificateName && state.serverCertificates.has(name)) {
        throw new AwsError('EntityAlreadyExists', `The Server Certificate with name ${name} already exists.`, 409);
      }
      state.serverCertificates.delete(c.ServerCertificateName);
      Object.assign(c, { ServerCertificateName: name, Path: path, Arn: serverArn(ctx.accountId, path, name) });
      state.serverCertificates.set(name, c);
      return {};
    },
    DeleteServerCertificate(input: any) {
      state.serverCertificates.delete(findServer(input.ServerCertificateName).ServerCertificateName);
      return {};
    },
    TagServerCertificate(input: any) {
      const c = findServer(input.ServerCertificateName);
      c.Tags = mergeTags(c.Tags, input.Tags);
      return {};
    },
    UntagServerCertificate(input: any) {
      const c = findServer(input.ServerCertificateName);
      c.Tags = withoutTags(c.Tags, input.TagKeys);
      return {};
    },
    ListServerCertificateTags(input: any) {
      const { items, ...rest } = page(findServer(input.ServerCertificateName).Tags, input);
      return { Tags: items, ...rest };
    },

    UploadSigningCertificate(input: any, ctx: RequestContext) {
      const { userId } = owner(ctx, input.UserName);
      parseCertificate(input.CertificateBody, 'certificateBody');
      const mine = [...state.signingCertificates.values()].filter((c) => c.userId === userId);
      if (mine.some((c) => c.CertificateBody.trim() === input.CertificateBody.trim())) {
        throw new AwsError('DuplicateCertificate', 'The same certificate is already registered for this user.', 409);
      }
      if (mine.length >= SIGNING_PER_USER) throw new AwsError('LimitExceeded', `Cannot exceed quota for SigningCertificatesPerUser: ${SIGNING_PER_USER}`, 409);
      const cert: SigningCertificate = {
        CertificateId: base32Encode(randomBytes(20)).slice(0, 32),
        userId,
        CertificateBody: input.CertificateBody,
        Status: 'Active',
        UploadDate: iamNow(state),
      };
      state.signingCertificates.set(cert.CertificateId, cert);
      return { Certificate: signingView(cert) };
    },
    ListSigningCertificates(input: any, ctx: RequestContext) {
      const { userId } = owner(ctx, input.UserName);
      const { items, ...rest } = page([...state.signingCertificates.values()].filter((c) => c.userId === userId).map(signingView), input);
      return { Certificates: items, ...rest };
    },
    UpdateSigningCertificate(input: any, ctx: RequestContext) {
      const cert = findSigning(owner(ctx, input.UserName).userId, input.CertificateId);
      cert.Status = checkStatus(input.Status);
      return {};
    },
    DeleteSigningCertificate(input: any, ctx: RequestContext) {
      state.signingCertificates.delete(findSigning(owner(ctx, input.UserName).userId, input.CertificateId).CertificateId);
      return {};
    },
  };
}
