/**
 * Wire protocols of the Envelope KMS emulator. Each protocol lives in its own folder (`aws-json/`,
 * `gcp-rest/`, `gcp-grpc/`, `azure-rest/`) as one codec plus dispatch over the emulator's service
 * models; sockets, TLS and routing belong to `@envelope/kms-server`.
 *
 * This index loads every protocol (gRPC, Azure pipeline included). Import the subpath of the one you
 * use instead (`@envelope/kms-protocols/aws-json`, `/gcp-grpc`, `/gcp-rest`, `/azure-rest`, and
 * `/endpoint` for the server seam) to load only that protocol's code.
 */
export const KMS_PROTOCOLS_PACKAGE = '@envelope/kms-protocols';

// AWS KMS JSON 1.1
export * from './aws-json/index.js';
// Azure Key Vault: the keys REST API (challenge-based bearer auth) over the Azure service model.
export * from './azure-rest/index.js';
// The seam every protocol implements for the server.
export {
  DropConnectionError,
  type ListenerRefusal,
  type ProtocolEndpoint,
  type ProtocolReply,
  type ProtocolRequest,
  REFUSAL_STATUS,
} from './endpoint.js';
// Google Cloud KMS: gRPC and REST over the GCP service model of @envelope/kms-emulator.
export * from './gcp-grpc/index.js';
export * from './gcp-rest/index.js';
