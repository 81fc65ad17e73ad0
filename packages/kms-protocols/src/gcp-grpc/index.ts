/**
 * `@envelope/kms-protocols/gcp-grpc`: Google Cloud KMS over gRPC (grpc-js) from the GCP service model.
 * The protocol definitions are read when a server is first built, not at import.
 */
export { KMS_SERVICE_NAME, kmsProtosJson, kmsRoot } from '../gcp-protos/definitions.js';
export {
  createGcpGrpcServer,
  gcpGrpcImplementation,
  kmsGrpcServiceDefinition,
  toGrpcStatus,
} from './server.js';
export { type GcpGrpcListener, startGcpGrpcListener } from './start.js';
