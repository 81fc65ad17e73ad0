import { InvalidArgumentError, UnsupportedSuiteError } from '../errors.js';
import { type AlgorithmSuite, formatSuiteId } from './algorithm-suites.js';

/**
 * Which suites may be written and read, named as the AWS Encryption SDK names them.
 * The default requires key commitment on both sides.
 */
export const CommitmentPolicy = {
  FORBID_ENCRYPT_ALLOW_DECRYPT: 'forbid-encrypt-allow-decrypt',
  REQUIRE_ENCRYPT_ALLOW_DECRYPT: 'require-encrypt-allow-decrypt',
  REQUIRE_ENCRYPT_REQUIRE_DECRYPT: 'require-encrypt-require-decrypt',
} as const;
export type CommitmentPolicy = (typeof CommitmentPolicy)[keyof typeof CommitmentPolicy];

export const DEFAULT_COMMITMENT_POLICY: CommitmentPolicy = CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT;

const POLICIES = new Set<string>(Object.values(CommitmentPolicy));

export function assertCommitmentPolicy(policy: string): asserts policy is CommitmentPolicy {
  if (!POLICIES.has(policy)) {
    throw new InvalidArgumentError(
      `Unknown commitment policy '${policy}'; use one of ${[...POLICIES].join(', ')}.`,
    );
  }
}

/** Whether `policy` allows writing a message with `suite`. */
export function suiteAllowedForEncrypt(policy: CommitmentPolicy, suite: AlgorithmSuite): boolean {
  return (policy === CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT) !== suite.commitment;
}

export function assertSuiteAllowedForEncrypt(policy: CommitmentPolicy, suite: AlgorithmSuite): void {
  const forbid = policy === CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT;
  if (!suiteAllowedForEncrypt(policy, suite)) {
    throw new UnsupportedSuiteError(
      forbid
        ? `Suite ${formatSuiteId(suite.id)} commits to its key, which policy '${policy}' forbids on encrypt; choose a legacy suite or a requiring policy.`
        : `Suite ${formatSuiteId(suite.id)} does not commit to its key, which policy '${policy}' forbids on encrypt; use 0x0478 or 0x0578.`,
    );
  }
}

export function assertSuiteAllowedForDecrypt(policy: CommitmentPolicy, suite: AlgorithmSuite): void {
  if (policy === CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT && !suite.commitment) {
    throw new UnsupportedSuiteError(
      `The message uses legacy suite ${formatSuiteId(suite.id)} without key commitment, which policy '${policy}' refuses; decrypt with commitmentPolicy 'require-encrypt-allow-decrypt' to read legacy messages.`,
    );
  }
}
