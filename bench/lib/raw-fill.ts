import http from 'node:http';
import { throughput } from './measure';

/**
 * Filling a store fast, for the scale benchmarks: plain HTTP requests with no SDK (no signing, no
 * schema serialization), so the client is not the bottleneck while 100,000 entries go in. Filling is
 * setup, never a measured figure. The emulator routes unsigned requests by X-Amz-Target, then path.
 */
export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body: string | Buffer;
}

export async function rawFill(endpoint: string, count: number, concurrency: number, make: (i: number) => RawRequest): Promise<void> {
  const url = new URL(endpoint);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    await throughput(
      (i) =>
        new Promise<void>((resolve, reject) => {
          const r = make(i);
          const req = http.request(
            {
              host: url.hostname,
              port: url.port,
              method: r.method,
              path: r.path,
              agent,
              headers: { 'content-length': String(Buffer.byteLength(r.body)), ...r.headers },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c) => chunks.push(c));
              res.on('end', () => {
                if ((res.statusCode ?? 500) >= 300) reject(new Error(`${r.method} ${r.path}: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`));
                else resolve();
              });
            },
          );
          req.on('error', reject);
          req.end(r.body);
        }),
      count,
      concurrency,
    );
  } finally {
    agent.destroy();
  }
}

/** S3 PutObject, path-style. */
export const rawPutObject = (bucket: string, key: string, body: Buffer): RawRequest => ({
  method: 'PUT',
  path: `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
  headers: { 'content-type': 'application/octet-stream' },
  body,
});

/** SQS SendMessageBatch, AWS JSON protocol. */
export const rawSendMessageBatch = (queueUrl: string, bodies: string[]): RawRequest => ({
  method: 'POST',
  path: '/',
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch' },
  body: JSON.stringify({ QueueUrl: queueUrl, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) }),
});
