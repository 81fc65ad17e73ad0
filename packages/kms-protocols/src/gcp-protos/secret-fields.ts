import { zeroFillMembers } from '../zero-fill-members.js';

/**
 * Cloud KMS response fields holding plaintext or key material: `plaintext` (Decrypt, RawDecrypt,
 * AsymmetricDecrypt) and `data` (GenerateRandomBytes, bytes callers use as keys).
 */
const SECRET_FIELDS = ['plaintext', 'data'] as const;

/**
 * Zero-fills a service response's secret buffers once it is encoded for the wire: the encoded
 * response is then their only copy, as the AWS JSON dispatch does for its own secret members.
 */
export function wipeGcpSecrets(response: unknown): void {
  zeroFillMembers(response, SECRET_FIELDS);
}

/** Cloud KMS request fields holding plaintext: `plaintext` (Encrypt, RawEncrypt). */
const SECRET_REQUEST_FIELDS = ['plaintext'] as const;

/**
 * Zero-fills a decoded request's plaintext once the call is answered: the transport decoded it into a
 * buffer of its own that nothing else holds (the service model keeps only the ciphertext it made).
 */
export function wipeGcpRequestSecrets(request: unknown): void {
  zeroFillMembers(request, SECRET_REQUEST_FIELDS);
}
