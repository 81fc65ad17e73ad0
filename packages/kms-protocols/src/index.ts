/**
 * Wire protocols of the Envelope KMS emulator. Each protocol lives in its own folder (`aws-json/`,
 * `gcp-rest/`, `gcp-grpc/`, `azure-rest/`) as one codec plus dispatch over the emulator's service
 * models; sockets, TLS and routing belong to `@envelope/kms-server`.
 */
export const KMS_PROTOCOLS_PACKAGE = '@envelope/kms-protocols';

// AWS KMS JSON 1.1
export {
  type AwsCaller,
  type AwsCallerOptions,
  type AwsCallerRequest,
  awsCaller,
} from './aws-json/caller.js';
export {
  AWS_JSON_CONTENT_TYPE,
  accessKeyIdFromRequest,
  BLOB_MEMBERS,
  decodeRequestBody,
  type EncodedError,
  encodeError,
  encodeNamedError,
  encodeResponseBody,
  type HeaderBag,
  header,
  KMS_TARGET_PREFIX,
  operationFromTarget,
  regionFromRequest,
} from './aws-json/codec.js';
export {
  type AwsJsonDispatchOptions,
  type AwsJsonHttpRequest,
  type AwsJsonHttpResponse,
  dispatchAwsJson,
} from './aws-json/dispatch.js';
export { AWS_JSON_ENDPOINT, awsJsonEndpoint } from './aws-json/endpoint.js';
export { MAX_REQUEST_BODY_BYTES, MAX_REQUEST_NESTING } from './aws-json/json-body.js';
export {
  createKmsRequestHandler,
  KmsRequestHandler,
  type KmsRequestHandlerOptions,
} from './aws-json/request-handler.js';
export { type AccessKey, type SignedRequest, type SigV4Result, verifySigV4 } from './aws-json/sigv4.js';
// Azure Key Vault: the keys REST API (challenge-based bearer auth) over the Azure service model.
export {
  AZURE_VAULT_HOST_SUFFIX,
  type AzureRestOptions,
  type AzureRestRequest,
  type AzureRestResponse,
  azureChallengeResource,
  dispatchAzureRest,
  vaultOfHost,
} from './azure-rest/dispatch.js';
export { AzureInProcessHttpClient } from './azure-rest/in-process.js';
export { azureRestRequestListener, MAX_AZURE_BODY_BYTES } from './azure-rest/listener.js';
export { type AzureRoute, routeAzureRequest } from './azure-rest/routes.js';
export {
  type AzureEmulatorTokenClaims,
  type AzureEmulatorTokenOptions,
  AzureTokenError,
  audienceFromScope,
  createAzureEmulatorToken,
  verifyAzureEmulatorToken,
} from './azure-rest/token.js';
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
export {
  createGcpGrpcServer,
  gcpGrpcImplementation,
  kmsGrpcServiceDefinition,
  toGrpcStatus,
} from './gcp-grpc/server.js';
export { type GcpGrpcListener, startGcpGrpcListener } from './gcp-grpc/start.js';
export { KMS_PROTOS_JSON, KMS_SERVICE_NAME, kmsRoot } from './gcp-protos/definitions.js';
export { dispatchGcpRest, type GcpRestRequest, type GcpRestResponse } from './gcp-rest/dispatch.js';
export { GCP_REST_ENDPOINT, gcpRestEndpoint } from './gcp-rest/endpoint.js';
export { GcpInProcessAuthClient } from './gcp-rest/in-process.js';
export { gcpRestRequestListener, MAX_REST_BODY_BYTES } from './gcp-rest/listener.js';
