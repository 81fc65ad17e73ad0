/**
 * Wire protocols of the Envelope KMS emulator. Each protocol lives in its own folder (`aws-json/`,
 * `gcp-rest/`, `gcp-grpc/`, `azure-rest/`) as one codec plus dispatch over the emulator's service
 * models; sockets, TLS and routing belong to `@envelope/kms-server`.
 */
export const KMS_PROTOCOLS_PACKAGE = '@envelope/kms-protocols';
