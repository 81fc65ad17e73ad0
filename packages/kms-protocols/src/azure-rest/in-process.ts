import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
  RestError,
} from '@azure/core-rest-pipeline';
import { type AzureKeyVaultService, LocationUnavailableError } from '@envelope/kms-emulator';
import { type AzureRestOptions, dispatchAzureRest } from './dispatch.js';

async function bodyText(body: PipelineRequest['body']): Promise<string | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.text();
  throw new RestError('The in-process Key Vault client sends JSON bodies only (string or bytes).', {
    code: 'REQUEST_SEND_ERROR',
  });
}

/**
 * An `HttpClient` for `@azure/core-rest-pipeline` (the `httpClient` option of `KeyClient` and
 * `CryptographyClient`) that hands each request to the emulator's Key Vault REST dispatch with no
 * socket: the SDK's whole pipeline (challenge auth, retries, paging, deserialization) still runs.
 * A vault taken down by a fault fails as `ECONNREFUSED`, which the SDK treats as a network error.
 */
export class AzureInProcessHttpClient implements HttpClient {
  constructor(
    readonly service: AzureKeyVaultService,
    readonly options: AzureRestOptions = {},
  ) {}

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    if (request.abortSignal?.aborted)
      throw new RestError('The operation was aborted.', { code: 'ABORT_ERR', request });
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
    const body = await bodyText(request.body);
    try {
      const response = await dispatchAzureRest(
        this.service,
        {
          method: request.method,
          url: new URL(request.url),
          headers,
          ...(body !== undefined ? { body } : {}),
        },
        this.options,
      );
      return {
        request,
        status: response.status,
        headers: createHttpHeaders(response.headers),
        ...(response.body !== undefined ? { bodyAsText: response.body } : {}),
      };
    } catch (error) {
      if (error instanceof LocationUnavailableError)
        throw new RestError(error.message, { code: 'ECONNREFUSED', request });
      throw error;
    }
  }
}
