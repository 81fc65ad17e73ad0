import type { IncomingMessage, ServerResponse } from 'node:http';
import { GcpKmsError, type GcpKmsService, LocationUnavailableError } from '@envelope/kms-emulator';
import { dispatchGcpRest, errorResponse, type GcpRestResponse } from './dispatch.js';

/** Largest request body accepted: two 64 KiB fields in base64 plus JSON, with room to spare. */
export const MAX_REST_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REST_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REST_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: GcpRestResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

/**
 * A node:http request listener serving Cloud KMS REST (what `@google-cloud/kms` sends with
 * `fallback: 'rest'`, and what `gcloud kms` sends) from the service model. A location that is down
 * resets the connection, as an outage looks to the client (gax reports it as UNAVAILABLE).
 */
export function gcpRestRequestListener(
  service: GcpKmsService,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        if (body === undefined) {
          send(
            res,
            errorResponse(
              new GcpKmsError(
                'INVALID_ARGUMENT',
                `Request payload size exceeds the limit: ${MAX_REST_BODY_BYTES} bytes.`,
              ),
            ),
          );
          return;
        }
        send(res, await dispatchGcpRest(service, { method: req.method ?? 'GET', url: req.url ?? '/', body }));
      } catch (error) {
        if (error instanceof LocationUnavailableError) {
          req.socket.destroy();
          return;
        }
        if (!res.headersSent)
          send(res, errorResponse(new GcpKmsError('INTERNAL', 'Internal error.', { cause: error })));
        else res.destroy();
      }
    })();
  };
}
