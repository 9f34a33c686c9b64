import { chooseBackend, createBackend, requestedBackend } from '../../harness/backends';
import { RefusedError, isAwsTarget } from '../../harness/backends/endpoint';
import { timeFromEnv } from '../../harness/backends/embedded';
import type { RuntimeDetector } from '../../harness/backends/types';

const runtimeUp: RuntimeDetector = async () => ({ available: true, reason: 'Docker API answered at /var/run/docker.sock' });
const runtimeDown: RuntimeDetector = async () => ({ available: false, reason: 'no container runtime answered (DOCKER_HOST unset)' });

describe('backend selection', () => {
  it('auto picks LocalStack when a container runtime answers, and says why', async () => {
    const choice = await chooseBackend('auto', { detect: runtimeUp });
    expect(choice.name).toBe('localstack');
    expect(choice.reason).toContain('Docker API answered');
  });

  it('auto falls back to the embedded emulator without a container runtime, and says why', async () => {
    const choice = await chooseBackend('auto', { detect: runtimeDown });
    expect(choice.name).toBe('embedded');
    expect(choice.reason).toContain('no container runtime answered');
    expect(choice.reason).toContain('embedded');
  });

  it('an explicit backend is used as asked, without asking the detector', async () => {
    const detect = jest.fn(runtimeUp);
    await expect(chooseBackend('embedded', { detect, source: 'HARNESS_BACKEND' })).resolves.toEqual({ name: 'embedded', reason: 'HARNESS_BACKEND (embedded)' });
    expect(detect).not.toHaveBeenCalled();
  });

  it('reads --backend before HARNESS_BACKEND, defaults to auto, and rejects unknown names', () => {
    expect(requestedBackend(undefined, {})).toBe('auto');
    expect(requestedBackend(undefined, { HARNESS_BACKEND: 'LocalStack' })).toBe('localstack');
    expect(requestedBackend('embedded', { HARNESS_BACKEND: 'localstack' })).toBe('embedded');
    expect(() => requestedBackend('docker', {})).toThrow(/unknown backend "docker"/);
  });

  it('HARNESS_TIME is virtual or a positive scale', () => {
    expect(timeFromEnv(undefined)).toBeUndefined();
    expect(timeFromEnv('virtual')).toBe('virtual');
    expect(timeFromEnv('0.05')).toBe(0.05);
    expect(() => timeFromEnv('fast')).toThrow(/HARNESS_TIME/);
    expect(() => timeFromEnv('0')).toThrow(/HARNESS_TIME/);
  });
});

describe('endpoint backend and real AWS', () => {
  it('recognises real AWS targets', () => {
    expect(isAwsTarget('aws')).toBe(true);
    expect(isAwsTarget(undefined)).toBe(true);
    expect(isAwsTarget('https://sqs.eu-west-1.amazonaws.com')).toBe(true);
    expect(isAwsTarget('http://localstack:4566')).toBe(false);
    expect(isAwsTarget('http://127.0.0.1:4566')).toBe(false);
  });

  it('refuses real AWS without --allow-aws and a prefix', async () => {
    await expect(createBackend('endpoint', { endpoint: 'aws', env: {} }).start()).rejects.toThrow(RefusedError);
    await expect(createBackend('endpoint', { endpoint: 'aws', allowAws: true, env: {} }).start()).rejects.toThrow(/--prefix/);
    await expect(createBackend('endpoint', { endpoint: 'aws', prefix: 'ci-team', env: {} }).start()).rejects.toThrow(/--allow-aws/);
  });

  it('refuses to guess when no endpoint is given', async () => {
    await expect(createBackend('endpoint', { env: {} }).start()).rejects.toThrow(/no endpoint URL given/);
  });

  it('uses real AWS only when both are given, with the prefix required on every name', async () => {
    const conn = await createBackend('endpoint', { endpoint: 'aws', allowAws: true, prefix: 'ci-team', env: { AWS_REGION: 'eu-west-1' } }).start();
    expect(conn.endpoint).toBeUndefined();
    expect(conn.credentials).toBeUndefined();
    expect(conn.region).toBe('eu-west-1');
    expect(conn.requiredPrefix).toBe('ci-team');
    expect(conn.description).toContain('real AWS');
  });
});
