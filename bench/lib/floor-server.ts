import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The floor: a do-nothing HTTP server that answers every request with the smallest response the official
 * client accepts for that operation. Requests/s against it bound what any emulator can reach with the same
 * client, so our figures are ratios to it.
 */
export type Responder = (req: http.IncomingMessage, body: Buffer) => { status: number; headers: Record<string, string>; body: string | Buffer };

export async function startFloorServer(respond: Responder): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const r = respond(req, Buffer.concat(chunks));
      res.writeHead(r.status, { 'content-length': String(Buffer.byteLength(r.body)), ...r.headers });
      res.end(r.body);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
