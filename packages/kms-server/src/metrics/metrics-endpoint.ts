import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminRequestError } from '../admin/admin-http.js';
import type { KmsMetrics } from './kms-metrics.js';

export const METRICS_PATH = '/metrics';

/** `GET /metrics`: the Prometheus text exposition (served as part of the admin API). */
export async function serveMetrics(
  metrics: KmsMetrics,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'GET') throw new AdminRequestError(405, `Use GET ${METRICS_PATH}.`);
  const text = await metrics.text();
  response.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
