import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AzureKeyVaultService, LocationUnavailableError } from '@envelope/kms-emulator';
import { type AzureRestOptions, dispatchAzureRest } from './dispatch.js';

/** Largest request body the listener reads (Key Vault's own limit is far below this). */
export const MAX_AZURE_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_AZURE_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A `node:http`/`node:https` request listener serving the Key Vault keys REST API for every vault
 * host `<vault>.<suffix>` it receives. A vault taken down by a fault gets its connection reset, as an
 * outage looks to the client; any other failure is a Key Vault error body, never a bare 500.
 */
export function azureRestRequestListener(
  service: AzureKeyVaultService,
  options: AzureRestOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const send = (status: number, headers: Record<string, string>, body?: string) => {
        res.writeHead(
          status,
          body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        );
        res.end(body);
      };
      const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });
      const jsonType = { 'content-type': 'application/json; charset=utf-8' };
      try {
        const body = await readBody(req);
        const host = req.headers.host ?? '';
        const url = new URL(req.url ?? '/', `https://${host || 'invalid.host'}`);
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(req.headers))
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
        const response = await dispatchAzureRest(
          service,
          {
            method: req.method ?? 'GET',
            url,
            headers,
            ...(body ? { body } : {}),
            ...(req.socket.remoteAddress ? { callerIpAddress: req.socket.remoteAddress } : {}),
          },
          options,
        );
        send(response.status, response.headers, response.body);
      } catch (error) {
        if (error instanceof LocationUnavailableError) {
          req.socket.destroy();
          return;
        }
        if (error instanceof BodyTooLarge) {
          send(
            413,
            jsonType,
            errorBody('BadParameter', `The request body exceeds ${MAX_AZURE_BODY_BYTES} bytes.`),
          );
          return;
        }
        if (error instanceof TypeError && !res.headersSent) {
          send(400, jsonType, errorBody('BadParameter', 'The request URL is invalid.'));
          return;
        }
        if (!res.headersSent)
          send(
            500,
            jsonType,
            errorBody('InternalServerError', 'The emulator failed to process the request.'),
          );
        else res.destroy();
      }
    })();
  };
}
