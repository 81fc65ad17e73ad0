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
