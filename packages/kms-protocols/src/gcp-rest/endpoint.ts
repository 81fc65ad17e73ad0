import {
  GcpKmsError,
  type GcpKmsService,
  type GcpStatus,
  LocationUnavailableError,
} from '@envelope/kms-emulator';
import {
  DropConnectionError,
  type ListenerRefusal,
  type ProtocolEndpoint,
  type ProtocolReply,
} from '../endpoint.js';
import { dispatchGcpRest, errorResponse, type GcpRestResponse } from './dispatch.js';

export const GCP_REST_ENDPOINT = 'gcp-rest';

/** What Cloud KMS answers for each refusal a listener makes before dispatch. */
const REFUSAL_STATUS: Readonly<Record<ListenerRefusal, GcpStatus>> = {
  'forbidden-host': 'PERMISSION_DENIED',
  'body-too-large': 'INVALID_ARGUMENT',
  overloaded: 'UNAVAILABLE',
  internal: 'INTERNAL',
};

/**
 * Cloud KMS REST (what `@google-cloud/kms` sends with `fallback: 'rest'`, and `gcloud kms`) as a server
 * endpoint: the same {@link dispatchGcpRest} the in-process auth client calls, Google-shaped refusals,
 * and a location marked down dropping the connection. Callers are not authenticated (the emulator
 * records the call under the service's default principal), as the GCP clients pointed at it send none.
 */
export function gcpRestEndpoint(service: GcpKmsService): ProtocolEndpoint {
  return {
    name: GCP_REST_ENDPOINT,
    async handle(request) {
      try {
        return reply(await dispatchGcpRest(service, request));
      } catch (error) {
        if (error instanceof LocationUnavailableError) throw new DropConnectionError(error.message);
        throw error;
      }
    },
    admit: () => undefined,
    refuse(refusal, message) {
      return reply(errorResponse(new GcpKmsError(REFUSAL_STATUS[refusal], message)));
    },
  };
}

const reply = (response: GcpRestResponse): ProtocolReply => ({
  status: response.status,
  headers: response.headers,
  body: response.body,
});
