import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeliveryBus } from '../core/delivery';

/**
 * The harness's own endpoints (not AWS APIs), under /_harness/:
 *   GET  /_harness/health           → {"status":"running","services":[…]}
 *   POST /_harness/reset            → drops all state
 *   GET  /_harness/outbox           → email/sms/http deliveries captured by SNS
 *   GET  /_harness/queues/peek?queue=<url|arn|name> → every message, without touching visibility
 */
export function inspectionHandler(bus: DeliveryBus, services: () => string[], reset: () => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
      return true;
    };
    req.resume();
    try {
      switch (`${req.method} ${url.pathname}`) {
        case 'GET /_harness/health':
          return reply(200, { status: 'running', services: services() });
        case 'POST /_harness/reset':
          await reset();
          return reply(200, { reset: true });
        case 'GET /_harness/outbox':
          return reply(200, { deliveries: await bus.ask('sns.outbox', {}) });
        case 'GET /_harness/queues/peek': {
          const queue = url.searchParams.get('queue');
          if (!queue) return reply(400, { error: 'query parameter "queue" is required' });
          return reply(200, { messages: await bus.ask('sqs.peek', { queue }) });
        }
        default:
          return reply(404, { error: `no harness endpoint ${req.method} ${url.pathname}` });
      }
    } catch (err) {
      return reply(400, { error: (err as Error).message });
    }
  };
}
