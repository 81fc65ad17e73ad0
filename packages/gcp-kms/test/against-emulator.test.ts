import { gcpClientOptions } from '@envelope/gcp-kms';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { keyringContract } from './support/keyring-contract.js';

/**
 * The keyring with the official client against a running emulator's Cloud KMS face. Set
 * ENVELOPE_GCP_KMS_URL (gRPC host:port) and/or ENVELOPE_GCP_KMS_REST_URL (REST host:port), e.g.
 * from `envelope kms serve`; each unset transport is skipped. The in-process transport runs the same
 * contract: `keyringContract('the in-process emulator', () => new KeyManagementServiceClient(<its options>))`.
 */
const targets = [
  ['gRPC', process.env.ENVELOPE_GCP_KMS_URL, 'grpc'],
  ['REST', process.env.ENVELOPE_GCP_KMS_REST_URL, 'rest'],
] as const;

for (const [label, endpoint, transport] of targets) {
  if (endpoint) {
    keyringContract(
      `the emulator over ${label} (${endpoint})`,
      () => new KeyManagementServiceClient(gcpClientOptions({ endpoint, transport })),
    );
  } else {
    describe.skip(`GcpKmsKeyring against the emulator over ${label} (set ${transport === 'grpc' ? 'ENVELOPE_GCP_KMS_URL' : 'ENVELOPE_GCP_KMS_REST_URL'})`, () => {
      it('runs the keyring contract', () => {});
    });
  }
}
