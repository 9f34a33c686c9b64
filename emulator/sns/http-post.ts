import http from 'node:http';
import https from 'node:https';

/**
 * One HTTP/S POST to a subscriber, as SNS makes it. The outcome decides what happens next: 2xx delivered,
 * 5xx or a network failure/timeout retried, anything else a client-side failure (not retried).
 * HTTPS certificates are not verified: local subscribers usually run with self-signed certificates.
 */
export type PostOutcome = { kind: 'delivered'; status: number } | { kind: 'retry' | 'failed'; status?: number; error: string };

/** SNS gives an endpoint 15 s to answer. */
export const HTTP_TIMEOUT_MS = 15_000;

export function post(url: string, body: string, headers: Record<string, string>, timeoutMs = HTTP_TIMEOUT_MS): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ kind: 'failed', error: `invalid endpoint URL ${url}` });
      return;
    }
    const client = target.protocol === 'https:' ? https : http;
    const payload = Buffer.from(body, 'utf8');
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(payload.length) },
        agent: false,
        ...(target.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ kind: 'delivered', status });
          else if (status >= 500) resolve({ kind: 'retry', status, error: `HTTP ${status}` });
          else resolve({ kind: 'failed', status, error: `HTTP ${status}` });
        });
        res.on('error', (err) => resolve({ kind: 'retry', error: err.message }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ kind: 'retry', error: err.message }));
    req.end(payload);
  });
}
