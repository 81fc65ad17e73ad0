import { type GcpKmsService, LocationUnavailableError } from '@envelope/kms-emulator';
import { dispatchGcpRest } from './dispatch.js';

/**
 * An auth client for `@google-cloud/kms` with `fallback: 'rest'` (pass it as `authClient`): the
 * client's REST transport sends every request through `authClient.fetch`, and this one answers from
 * the service model, with no socket and no credentials. Tested against the pinned `@google-cloud/kms`
 * and `google-gax` versions. A location that is down rejects like a refused connection (UNAVAILABLE).
 */
export class GcpInProcessAuthClient {
  /** Matches the client's default universe, so it never probes a metadata server. */
  readonly universeDomain: string;
  readonly #service: GcpKmsService;

  constructor(service: GcpKmsService, options: { universeDomain?: string } = {}) {
    this.#service = service;
    this.universeDomain = options.universeDomain ?? 'googleapis.com';
  }

  async getRequestHeaders(): Promise<Headers> {
    return new Headers();
  }

  async getUniverseDomain(): Promise<string> {
    return this.universeDomain;
  }

  async fetch(input: string | URL, init: { method?: string; body?: unknown } = {}): Promise<Response> {
    const url = new URL(String(input));
    const body =
      typeof init.body === 'string' || init.body instanceof Uint8Array
        ? init.body
        : init.body === undefined
          ? undefined
          : String(init.body);
    try {
      const response = await dispatchGcpRest(this.#service, {
        method: init.method ?? 'GET',
        url: `${url.pathname}${url.search}`,
        ...(body !== undefined ? { body } : {}),
      });
      return new Response(response.body, { status: response.status, headers: response.headers });
    } catch (error) {
      if (error instanceof LocationUnavailableError)
        throw Object.assign(new Error(error.message, { cause: error }), { code: 'ECONNREFUSED' });
      throw error;
    }
  }
}
