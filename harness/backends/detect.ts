import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeStatus } from './types';

/**
 * Does a container engine answer? First testcontainers' own discovery (DOCKER_HOST, ~/.testcontainers.properties,
 * Docker/Podman/Colima sockets), bounded by a short timeout; when testcontainers cannot even load, a
 * plain `GET /_ping` on the usual sockets. Neither is tried when there is nothing to find (containerRuntimeHints).
 * Never throws: the answer carries the reason.
 */
export async function detectContainerRuntime(opts: { timeoutMs?: number } = {}): Promise<RuntimeStatus> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  // Nothing testcontainers or the ping could ask: say so without loading testcontainers (~0.4 s of every run here).
  const hints = containerRuntimeHints();
  if (!hints.found) return { available: false, reason: `no container runtime found (${hints.looked.join('; ')})` };
  let testcontainersNote: string;
  try {
    const { getContainerRuntimeClient } = loadTestcontainers();
    const client = await withTimeout(getContainerRuntimeClient(), timeoutMs, 'testcontainers found no container runtime');
    const info = client.info.containerRuntime;
    return { available: true, reason: `container runtime answered at ${info.host} (${client.info.node ? 'testcontainers' : 'docker'}; ${info.operatingSystem ?? 'unknown OS'})` };
  } catch (e) {
    testcontainersNote = `testcontainers: ${oneLine((e as Error).message)}`;
  }
  const ping = await pingDockerSockets(timeoutMs);
  if (ping.available) return ping;
  return { available: false, reason: `no container runtime answered (${testcontainersNote}; ${ping.reason})` };
}

/**
 * testcontainers, loaded on first use: it is heavy. It is pinned to 11.x because 12.x (through undici 8,
 * Node >= 22.19) does not load on Node 20; should a newer one fail to load, that reads as "no runtime",
 * not a crash.
 */
export function loadTestcontainers(): typeof import('testcontainers') {
  try {
    return require('testcontainers') as typeof import('testcontainers');
  } catch (e) {
    throw new Error(`could not load testcontainers on Node ${process.versions.node}: ${oneLine((e as Error).message)}`);
  }
}

/** The same question, answered synchronously in a child process (jest's describe blocks cannot await). */
export function detectContainerRuntimeSync(opts: { timeoutMs?: number } = {}): RuntimeStatus {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const script = `require(${JSON.stringify(__filename)}).detectContainerRuntime({ timeoutMs: ${timeoutMs} })
    .then((r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); })`;
  const child = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
    encoding: 'utf8',
    timeout: timeoutMs + 10_000,
  });
  try {
    return JSON.parse(child.stdout) as RuntimeStatus;
  } catch {
    return { available: false, reason: `container runtime detection failed: ${oneLine(child.stderr || child.error?.message || `exit ${child.status}`)}` };
  }
}

/** Candidate Docker API sockets: DOCKER_HOST first, then where Docker Desktop, Podman and rootless Docker put theirs. */
export function dockerSocketCandidates(env: NodeJS.ProcessEnv = process.env): { label: string; socketPath?: string; host?: string; port?: number }[] {
  const out: { label: string; socketPath?: string; host?: string; port?: number }[] = [];
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost?.startsWith('unix://')) out.push({ label: dockerHost, socketPath: dockerHost.slice('unix://'.length) });
  else if (dockerHost?.startsWith('tcp://')) {
    const u = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    out.push({ label: dockerHost, host: u.hostname, port: Number(u.port || 2375) });
  }
  const home = os.homedir();
  const runtimeDir = env.XDG_RUNTIME_DIR;
  for (const p of [
    '/var/run/docker.sock',
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    ...(runtimeDir ? [path.join(runtimeDir, 'docker.sock'), path.join(runtimeDir, 'podman', 'podman.sock')] : []),
    // Rootless Docker's socket when XDG_RUNTIME_DIR is unset (testcontainers looks there too).
    ...(typeof process.getuid === 'function' ? [path.join('/run', 'user', String(process.getuid()), 'docker.sock')] : []),
    '/run/podman/podman.sock',
  ]) {
    out.push({ label: p, socketPath: p });
  }
  return out;
}

/**
 * Where a container runtime could be found, as testcontainers' strategies and the ping look for one: DOCKER_HOST,
 * ~/.testcontainers.properties (docker.host, tc.host), a Docker or Podman socket, a Windows named pipe.
 */
export function containerRuntimeHints(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  exists: (file: string) => boolean = existsSync,
): { found: boolean; looked: string[] } {
  if (env.DOCKER_HOST) return { found: true, looked: ['DOCKER_HOST set'] };
  if (platform === 'win32') return { found: true, looked: ['Windows named pipes'] };
  const properties = path.join(os.homedir(), '.testcontainers.properties');
  if (exists(properties)) return { found: true, looked: [`${properties} exists`] };
  const sockets = dockerSocketCandidates(env).flatMap((c) => (c.socketPath ? [c.socketPath] : []));
  const present = sockets.find((p) => exists(p));
  if (present) return { found: true, looked: [`${present} exists`] };
  return { found: false, looked: ['DOCKER_HOST unset', `no ${properties}`, ...[...new Set(sockets)].map((p) => `${p} missing`)] };
}

/** The socket a container should mount to start sibling containers (LocalStack's Lambda): DOCKER_HOST's, else the default. */
export function dockerSocketForMount(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE;
  if (override) return override;
  if (env.DOCKER_HOST?.startsWith('unix://')) return env.DOCKER_HOST.slice('unix://'.length);
  return '/var/run/docker.sock';
}

async function pingDockerSockets(timeoutMs: number): Promise<RuntimeStatus> {
  const tried: string[] = [];
  for (const c of dockerSocketCandidates()) {
    if (c.socketPath && !existsSync(c.socketPath)) {
      tried.push(`${c.label} missing`);
      continue;
    }
    const answer = await ping(c, timeoutMs);
    if (answer === 'OK') return { available: true, reason: `Docker API answered at ${c.label}` };
    tried.push(`${c.label}: ${answer}`);
  }
  return { available: false, reason: `DOCKER_HOST ${process.env.DOCKER_HOST ? 'set' : 'unset'}; ${tried.join('; ')}` };
}

function ping(target: { socketPath?: string; host?: string; port?: number }, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() || 'OK' : `HTTP ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve(oneLine(e.message)));
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300);
