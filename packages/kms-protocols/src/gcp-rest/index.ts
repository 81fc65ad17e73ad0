/**
 * `@envelope/kms-protocols/gcp-rest`: Google Cloud KMS REST transcoding (what `@google-cloud/kms` sends
 * with `fallback: 'rest'`, and `gcloud`) as a request listener, a server endpoint and an in-process
 * auth client. The protocol definitions are read on the first request, not at import.
 */
export { dispatchGcpRest, type GcpRestRequest, type GcpRestResponse } from './dispatch.js';
export { GCP_REST_ENDPOINT, gcpRestEndpoint } from './endpoint.js';
export { GcpInProcessAuthClient } from './in-process.js';
export { gcpRestRequestListener, MAX_REST_BODY_BYTES } from './listener.js';
