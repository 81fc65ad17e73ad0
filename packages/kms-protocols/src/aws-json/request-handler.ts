import type { Readable } from 'node:stream';
import { type KmsEngine, LocationUnavailableError } from '@envelope/kms-emulator';
import {
  type HttpHandler,
  type HttpHandlerOptions,
  type HttpRequest,
  HttpResponse,
} from '@smithy/protocol-http';
import { type AwsJsonDispatchOptions, dispatchAwsJson } from './dispatch.js';

export type KmsRequestHandlerOptions = AwsJsonDispatchOptions;

/**
 * An AWS SDK v3 `requestHandler` that routes `@aws-sdk/client-kms` calls to the engine in-process:
 * the real SDK pipeline (serialization, signing, retries, error parsing) with no socket.
 */
export class KmsRequestHandler implements HttpHandler {
  readonly metadata = { handlerProtocol: 'envelope-in-process' };

  constructor(
    readonly engine: KmsEngine,
    readonly options: KmsRequestHandlerOptions = {},
  ) {}

  async handle(
    request: HttpRequest,
    handlerOptions?: HttpHandlerOptions,
  ): Promise<{ response: HttpResponse }> {
    if (handlerOptions?.abortSignal?.aborted) {
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    }
    const body = await readBody(request.body);
    try {
      const res = await dispatchAwsJson(
        this.engine,
        { method: request.method, url: pathAndQuery(request), headers: request.headers, body },
        this.options,
      );
      return {
        response: new HttpResponse({ statusCode: res.statusCode, headers: res.headers, body: res.body }),
      };
    } catch (error) {
      if (error instanceof LocationUnavailableError) {
        // Looks like a refused connection, so SDK retry strategies treat it as a transient network error.
        throw Object.assign(new Error(error.message, { cause: error }), {
          name: 'Error',
          code: 'ECONNREFUSED',
        });
      }
      throw error;
    }
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

export function createKmsRequestHandler(
  engine: KmsEngine,
  options?: KmsRequestHandlerOptions,
): KmsRequestHandler {
  return new KmsRequestHandler(engine, options);
}

async function readBody(body: unknown): Promise<string | Uint8Array | undefined> {
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) {
    return body ?? undefined;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The request target as it went on the wire, for SigV4 verification. */
function pathAndQuery(request: HttpRequest): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== null) query.append(name, v);
  }
  const text = query.toString();
  return `${request.path || '/'}${text ? `?${text}` : ''}`;
}
