/**
 * Provider id of Cloud KMS encrypted data keys (DESIGN §4). Not `aws-kms`: provider ids starting
 * `aws` are reserved to AWS keyrings by the message format specification, and AWS keyrings must skip
 * these EDKs. The provider info is the CryptoKey name, not a version: Decrypt takes the CryptoKey and
 * the ciphertext itself names the version that made it, so rotating the key keeps old messages readable.
 */
export const GCP_KMS_PROVIDER_ID = 'gcp-kms';
