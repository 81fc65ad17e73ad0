import {
  decodeRequestBody,
  encodeError,
  encodeResponseBody,
  type KmsEngine,
  LocationUnavailableError,
} from '@envelope/kms-emulator';
import { DropConnectionError, type KmsCallHandler } from './kms-http-server.js';

/**
 * Serves authenticated calls from the engine with the emulator's AWS JSON 1.1 codec. This is
 * `dispatchAwsJson` minus its header parsing: the HTTP layer has already taken region and principal
 * from the (verified) signature, and its request id is the one in the header, logs and audit log.
 */
export function engineCallHandler(engine: KmsEngine): KmsCallHandler {
  return async (call) => {
    const accountId = /::(\d{12}):/.exec(call.principal)?.[1] ?? engine.defaultAccountId;
    try {
      const output = await engine.execute(call.operation, decodeRequestBody(call.body), {
        region: call.region,
        principal: call.principal,
        accountId,
        requestId: call.requestId,
      });
      return { status: 200, body: encodeResponseBody(output) };
    } catch (error) {
      // A region marked down fails the connection, as an outage would (nothing is answered).
      if (error instanceof LocationUnavailableError) throw new DropConnectionError(error.message);
      const encoded = encodeError(error);
      return {
        status: encoded.statusCode,
        body: encoded.body,
        errorType: encoded.headers['x-amzn-errortype'] ?? 'KMSInternalException',
      };
    }
  };
}
