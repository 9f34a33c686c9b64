import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The real AWS clients on this machine: the image's AWS CLI v1 / boto3 (current protocols) and Debian's (Query). */
export const CLIENTS = {
  /** AWS CLI v1 on PATH (pyenv): SQS JSON, CloudWatch CBOR. */
  awsCliV1: 'aws',
  /** Debian's AWS CLI v2.9: SQS and CloudWatch over Query. */
  awsCliDebian: '/usr/bin/aws',
  /** Debian's python3 with boto3 1.26 (Query protocols). */
  debianPython: '/usr/bin/python3',
};

export const hasDebianAwsCli = (): boolean => existsSync(CLIENTS.awsCliDebian);

export async function hasCommand(cmd: string): Promise<boolean> {
  try {
    await run(cmd, ['--version'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Runs an AWS CLI against the emulator with throwaway credentials and no user config. */
export async function awsCli(bin: string, endpoint: string, args: string[]): Promise<string> {
  const { stdout } = await run(bin, ['--endpoint-url', endpoint, '--output', 'json', ...args], {
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PAGER: '',
    },
  });
  return stdout;
}

/** Prints why a test is skipped, so a skip is never silent. */
export function skipBecause(reason: string): void {
  process.stdout.write(`[skipped] ${reason}\n`);
}
