import { type KmsEngine, LocationUnavailableError } from '@envelope/kms-emulator';
import {
  DropConnectionError,
  type ListenerRefusal,
  type ProtocolEndpoint,
  type ProtocolReply,
  type ProtocolRequest,
  REFUSAL_STATUS,
} from '../endpoint.js';
import { awsCaller } from './caller.js';
import { type EncodedError, encodeNamedError } from './codec.js';
import { type AwsJsonDispatchOptions, type AwsJsonHttpResponse, dispatchAwsJson } from './dispatch.js';

export const AWS_JSON_ENDPOINT = 'aws-json';

/** What AWS answers for each refusal a listener makes before dispatch. */
const REFUSAL_TYPE: Readonly<Record<ListenerRefusal, string>> = {
  'forbidden-host': 'AccessDeniedException',
  'body-too-large': 'ValidationException',
  overloaded: 'ServiceUnavailableException',
  internal: 'KMSInternalException',
};

/**
 * AWS KMS JSON 1.1 (`POST /`, `X-Amz-Target: TrentService.*`) as a server endpoint: the same
 * {@link dispatchAwsJson} the in-process transport calls, with SigV4 when access keys are given
 * (then the admin API needs a valid signature too), and AWS-shaped refusals.
 */
export function awsJsonEndpoint(engine: KmsEngine, options: AwsJsonDispatchOptions = {}): ProtocolEndpoint {
  return {
    name: AWS_JSON_ENDPOINT,
    handle(request) {
      // The dispatch answers with the request's id already in its headers: they are the reply's as they are.
      return dispatchAwsJson(engine, request, options).then(dispatched, dropOnOutage);
    },
    admit(request: ProtocolRequest) {
      if (!options.accessKeys) return undefined;
      const caller = awsCaller(engine, request, options);
      return 'region' in caller ? undefined : reply(caller, request.requestId);
    },
    refuse(refusal, message, requestId) {
      return reply(encodeNamedError(REFUSAL_STATUS[refusal], REFUSAL_TYPE[refusal], message), requestId);
    },
  };
}

function dispatched(response: AwsJsonHttpResponse): ProtocolReply {
  return { status: response.statusCode, headers: response.headers, body: response.body };
}

/** A region marked down fails the connection, as an outage would (nothing is answered). */
function dropOnOutage(error: unknown): never {
  if (error instanceof LocationUnavailableError) throw new DropConnectionError(error.message);
  throw error;
}

function reply(response: EncodedError, requestId: string): ProtocolReply {
  return {
    status: response.statusCode,
    headers: { ...response.headers, 'x-amzn-requestid': requestId },
    body: response.body,
  };
}
