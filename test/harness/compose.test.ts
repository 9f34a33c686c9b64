import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LOCALSTACK_IMAGE } from '../../harness/backends/localstack';

const ROOT = path.resolve(__dirname, '..', '..');
const FILE = path.join(ROOT, 'docker-compose.yml');

/** Debian's docker-compose (v1) validates and normalizes the file without a Docker engine. */
function compose(...args: string[]) {
  return composeWith({}, ...args);
}

/** With these variables set for compose's substitution (and HARNESS_TOPOLOGY unset unless given: the file's default). */
function composeWith(vars: Record<string, string>, ...args: string[]) {
  const { HARNESS_TOPOLOGY: _ignored, ...env } = process.env;
  return spawnSync('docker-compose', ['-f', FILE, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...env, ...vars } });
}
const probe = compose('version');
const missing = probe.error ? `docker-compose is not installed (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})` : undefined;
if (missing) console.log(`skipping docker-compose validation: ${missing}`);
const describeIfCompose = missing ? describe.skip : describe;

describeIfCompose('docker-compose.yml (validated by docker-compose)', () => {
  it('is valid, with and without the embedded profile', () => {
    for (const args of [['config', '-q'], ['--profile', 'embedded', 'config', '-q']]) {
      const res = compose(...args);
      expect({ args, status: res.status, stderr: res.stderr }).toEqual({ args, status: 0, stderr: expect.not.stringMatching(/error/i) });
    }
  });

  it('pins LocalStack, publishes 4566 on 127.0.0.1 only, and provisions after the health check', () => {
    const res = compose('--profile', 'embedded', 'config');
    expect(res.status).toBe(0);
    const normalized = res.stdout;
    expect(normalized).toContain(`image: ${DEFAULT_LOCALSTACK_IMAGE}`);
    const published = [...normalized.matchAll(/^\s*- (?:(\S+?):)?(\d+):(\d+)(?:\/tcp)?$/gm)].filter((m) => m[3] === '4566');
    expect(published.map((m) => m[0].trim())).toEqual(['- 127.0.0.1:4566:4566/tcp', '- 127.0.0.1:4566:4566/tcp']);
    expect(normalized).toMatch(/condition: service_healthy/);
    expect(normalized).toContain('/_localstack/health');
    expect(normalized).toContain('/var/run/docker.sock:/var/run/docker.sock');
    // Long commands are folded over lines in the normalized YAML.
    const flat = normalized.replace(/\s+/g, ' ');
    expect(flat).toContain('npx s3-event-harness deploy --endpoint http://localstack:4566 --topology fanout');
    expect(flat).toContain('npx s3-event-harness serve --host 0.0.0.0 --port 4566 --deploy fanout --data-dir /data');
    expect(flat).toMatch(/- embedded-state:\/data(:rw)? /);
  });

  it('HARNESS_TOPOLOGY picks the sandbox pipeline', () => {
    const res = composeWith({ HARNESS_TOPOLOGY: 'eventbridge' }, '--profile', 'embedded', 'config');
    expect(res.status).toBe(0);
    const flat = res.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('deploy --endpoint http://localstack:4566 --topology eventbridge');
    expect(flat).toContain('--deploy eventbridge --data-dir /data');
  });
});

describe('docker-compose.yml (as written)', () => {
  const text = readFileSync(FILE, 'utf8');
  it('never uses a floating LocalStack tag', () => {
    const images = [...text.matchAll(/image:\s*(\S+)/g)].map((m) => m[1]);
    expect(images).toContain(DEFAULT_LOCALSTACK_IMAGE);
    expect(images.filter((i) => i!.startsWith('localstack/'))).toEqual([DEFAULT_LOCALSTACK_IMAGE]);
  });

  it('publishes no port on all interfaces', () => {
    const ports = [...text.matchAll(/^\s*-\s*"?([\d.:]+)"?\s*$/gm)].map((m) => m[1]!).filter((p) => p.includes(':'));
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
  });
});
