/**
 * Which secret signs a request made with an access key: the configured keys, or a key a service handed out (a
 * temporary one from STS with its session token, an IAM user's access key). Each such service offers
 * `secretFor(accessKeyId, sessionToken, use)`. The HTTP server asks it for every verified request; services that
 * verify signatures themselves (Lambda function URLs with AWS_IAM) ask through the bus (`auth.signingSecrets`).
 */
export interface KeyUse {
  service: string;
  region: string;
}

export interface SigningSecretsQuestion {
  accessKeyId: string;
  sessionToken?: string;
  use: KeyUse;
}

export const SIGNING_SECRETS = 'auth.signingSecrets';

export function signingSecretsLookup(
  credentials: Record<string, string>,
  providers: Iterable<Record<string, any>>,
): (accessKeyId: string, sessionToken: unknown, use: KeyUse) => Record<string, string> {
  return (accessKeyId, sessionToken, use) => {
    if (accessKeyId in credentials) return credentials;
    const token = typeof sessionToken === 'string' ? sessionToken : undefined;
    for (const provider of providers) {
      const secret: string | undefined = provider.secretFor?.(accessKeyId, token, use);
      if (secret !== undefined) return { ...credentials, [accessKeyId]: secret };
    }
    return credentials;
  };
}
