import { randomInt } from 'node:crypto';
import { AwsError } from '../core/errors';

/** Secrets Manager, as far as provisioning scripts need it: GetRandomPassword for resource-name suffixes. */
export function createSecretsManagerProvider() {
  return {
    reset() {},
    GetRandomPassword(input: any) {
      const length = input.PasswordLength ?? 32;
      if (length < 1 || length > 4096) {
        throw new AwsError('InvalidParameterException', 'PasswordLength must be between 1 and 4096.', 400);
      }
      let alphabet = '';
      if (!input.ExcludeLowercase) alphabet += 'abcdefghijklmnopqrstuvwxyz';
      if (!input.ExcludeUppercase) alphabet += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
      if (!input.ExcludeNumbers) alphabet += '0123456789';
      if (!input.ExcludePunctuation) alphabet += '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
      if (input.IncludeSpace) alphabet += ' ';
      const excluded = new Set<string>(String(input.ExcludeCharacters ?? ''));
      const chars = [...alphabet].filter((c) => !excluded.has(c));
      if (chars.length === 0) throw new AwsError('InvalidParameterException', 'No characters left to build a password from.', 400);
      let password = '';
      for (let i = 0; i < length; i++) password += chars[randomInt(chars.length)];
      return { RandomPassword: password };
    },
  };
}
