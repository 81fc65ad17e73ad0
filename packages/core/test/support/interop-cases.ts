import { DEFAULT_FRAME_LENGTH, SuiteId } from '@envelope/core';

/** The committing suites we write, as the AWS SDK names them. */
export const COMMITTING_SUITES = [
  SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
] as const;

export const FRAME_LENGTHS = [1024, 4096, DEFAULT_FRAME_LENGTH] as const;

/** Empty, ASCII, and non-ASCII keys whose UTF-8 and UTF-16 sort orders differ ('z' < 'zé' < 'é…'). */
export const CONTEXTS: readonly { name: string; context: Record<string, string> }[] = [
  { name: 'no context', context: {} },
  { name: 'ASCII context', context: { tenant: 'acme', purpose: 'interop' } },
  { name: 'non-ASCII context', context: { a: '1', héllo: 'wörld', zé: 'é', z: 'last' } },
];

/** The plaintext sizes around a frame boundary that every reader must agree on. */
export function boundarySizes(frameLength: number): number[] {
  return [0, 1, frameLength - 1, frameLength, frameLength + 1];
}

export const hex = (id: number) => `0x${id.toString(16).padStart(4, '0')}`;
