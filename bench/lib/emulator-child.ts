import { startEmulator } from '../../emulator';

/**
 * An emulator alone in its own process, so its memory can be measured without the client's. Started by
 * bench/lib/child-emulator.ts with fork() (IPC) and --expose-gc. Messages: `rss` (answers the RSS after a
 * full GC), `stop`.
 */
type Msg = { type: 'rss' } | { type: 'stop' };

async function main() {
  const emu = await startEmulator({ port: 0, log: () => undefined });
  process.on('message', async (m: Msg) => {
    if (m.type === 'rss') {
      const gc = (global as { gc?: () => void }).gc;
      gc?.();
      await new Promise((r) => setImmediate(r));
      gc?.();
      const mem = process.memoryUsage();
      process.send!({ type: 'rss', rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers });
    } else if (m.type === 'stop') {
      await emu.stop();
      process.disconnect();
    }
  });
  process.send!({ type: 'ready', endpoint: emu.endpoint, rss: process.memoryUsage().rss });
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
