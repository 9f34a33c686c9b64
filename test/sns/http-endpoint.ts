import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP subscriber for tests: records each POST and answers with the next scripted status (default 200). */
export interface CapturedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}

export interface HttpEndpoint {
  url: string;
  requests: CapturedRequest[];
  /** Statuses to answer with, in order; once used up, 200. */
  statuses: number[];
  close(): Promise<void>;
}

export async function startHttpEndpoint(path = '/sns'): Promise<HttpEndpoint> {
  const requests: CapturedRequest[] = [];
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
      res.writeHead(statuses.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
