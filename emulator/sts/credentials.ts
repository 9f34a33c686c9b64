import { createHash } from 'node:crypto';
import { randomHex } from '../core/ids';

/** What STS hands out and later recognises: temporary credentials and the identity they stand for. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  /** GetCallerIdentity's answer for a caller signing with these credentials. */
  identity: { UserId: string; Account: string; Arn: string };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** STS's key ids: `ASIA` and 16 characters of upper-case base32, as AWS's temporary keys look. */
export function temporaryAccessKeyId(): string {
  const bytes = Buffer.from(randomHex(16), 'hex');
  let id = 'ASIA';
  for (const b of bytes) id += ALPHANUMERIC[b % 32];
  return id;
}

export const randomSecret = (): string => Buffer.from(randomHex(30), 'hex').toString('base64');
/** Session tokens are long opaque strings; clients only pass them back. */
export const randomSessionToken = (): string => `FwoGZXIvYXdzE${Buffer.from(randomHex(96), 'hex').toString('base64')}`;

/** A stable unique id for a role ARN (`AROA` + 17), so every session of a role shows the same role id. */
export const roleIdFor = (roleArn: string): string =>
  `AROA${createHash('sha256').update(roleArn).digest('hex').slice(0, 17).toUpperCase()}`;

/** The claims of a JWT (OIDC id token), without verifying its signature: the emulator trusts every provider. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}
