/**
 * Wire protocols of the Envelope KMS emulator. Each protocol lives in its own folder (`aws-json/`,
 * `gcp-rest/`, `gcp-grpc/`, `azure-rest/`) as one codec plus dispatch over the emulator's service
 * models; sockets, TLS and routing belong to `@envelope/kms-server`.
 */
export const KMS_PROTOCOLS_PACKAGE = '@envelope/kms-protocols';

// Google Cloud KMS: gRPC and REST over the GCP service model of @envelope/kms-emulator.
export {
  createGcpGrpcServer,
  gcpGrpcImplementation,
  kmsGrpcServiceDefinition,
  toGrpcStatus,
} from './gcp-grpc/server.js';
export { KMS_PROTOS_JSON, KMS_SERVICE_NAME, kmsRoot } from './gcp-protos/definitions.js';
export { dispatchGcpRest, type GcpRestRequest, type GcpRestResponse } from './gcp-rest/dispatch.js';
export { GcpInProcessAuthClient } from './gcp-rest/in-process.js';
export { gcpRestRequestListener, MAX_REST_BODY_BYTES } from './gcp-rest/listener.js';
