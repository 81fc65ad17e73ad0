/**
 * `@envelope/kms-protocols/aws-json`: AWS KMS JSON 1.1 alone (codec, dispatch, SigV4, the in-process
 * SDK request handler and the server endpoint). Loads no GCP or Azure code.
 */
export { type AwsCaller, type AwsCallerOptions, type AwsCallerRequest, awsCaller } from './caller.js';
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
} from './codec.js';
export {
  type AwsJsonDispatchOptions,
  type AwsJsonHttpRequest,
  type AwsJsonHttpResponse,
  dispatchAwsJson,
} from './dispatch.js';
export { AWS_JSON_ENDPOINT, awsJsonEndpoint } from './endpoint.js';
export { MAX_REQUEST_BODY_BYTES, MAX_REQUEST_NESTING } from './json-body.js';
export {
  createKmsRequestHandler,
  KmsRequestHandler,
  type KmsRequestHandlerOptions,
} from './request-handler.js';
export { type AccessKey, type SignedRequest, type SigV4Result, verifySigV4 } from './sigv4.js';
