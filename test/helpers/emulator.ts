import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator, type StartOptions } from '../../emulator';
import { createClients, type AwsClients } from '../../deploy-scripts/clients';
import { embeddedBackend } from '../../harness/backends/embedded';
import type { Backend } from '../../harness/backends/types';

/** Client config for the official SDK clients against a running emulator. */
export const clientConfig = (emu: RunningEmulator) => ({
  endpoint: emu.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

/** Starts an emulator on a free port for one test file; stops it after. */
export function useEmulator(opts: StartOptions = {}): () => RunningEmulator {
  let emu: RunningEmulator | undefined;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, ...opts });
  });
  afterAll(async () => {
    await emu?.stop();
  });
  return () => {
    if (!emu) throw new Error('emulator not started yet');
    return emu;
  };
}

/** A raw HTTP request to the emulator (for what the SDKs never send: malformed bodies, unknown actions). */
export async function rawRequest(
  emu: RunningEmulator,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${emu.endpoint}${path}`, { method: init.method ?? 'POST', headers: init.headers, body: init.body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** An Authorization header whose SigV4 credential scope names the service (signatures are not checked). */
export const sigv4 = (service: string, region = 'us-east-1') =>
  `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;

/**
 * An emulator keeping its state in a fresh folder (`dataDir`) for one test file. `restart()` stops it and starts a
 * new one on the same folder, as a sandbox restarts; the folder is removed after the file.
 */
export function usePersistentEmulator(prefix: string, opts: StartOptions = {}): { emulator: () => RunningEmulator; restart: () => Promise<RunningEmulator> } {
  let dir: string | undefined;
  let emu: RunningEmulator | undefined;
  const start = async () => (emu = await startEmulator({ port: 0, log: () => {}, ...opts, dataDir: dir }));
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    await start();
  });
  afterAll(async () => {
    await emu?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    emulator: () => {
      if (!emu) throw new Error('emulator not started yet');
      return emu;
    },
    restart: async () => {
      await emu?.stop();
      return start();
    },
  };
}

/** The harness's embedded backend for one test file, with the deploy scripts' clients on it; stopped after. */
export function useEmbeddedClients(): () => AwsClients {
  let backend: Backend | undefined;
  let clients: AwsClients | undefined;
  beforeAll(async () => {
    backend = embeddedBackend({ port: 0 });
    clients = createClients(await backend.start());
  }, 60_000);
  afterAll(async () => {
    clients?.destroy();
    await backend?.stop();
  });
  return () => {
    if (!clients) throw new Error('backend not started yet');
    return clients;
  };
}
