import { assertCallerContext } from '../format/encryption-context.js';
import type { EncryptionMaterials } from '../materials/materials.js';
import {
  DEFAULT_FRAME_LENGTH,
  type EncryptOptions,
  MAX_FRAME_LENGTH,
  materialsManagerOf,
  positiveInteger,
} from '../options.js';
import { type AlgorithmSuite, DEFAULT_SUITE_ID, getSuite } from '../suites/algorithm-suites.js';
import { assertSuiteAllowedForEncrypt, DEFAULT_COMMITMENT_POLICY } from '../suites/commitment-policy.js';
import { type BegunMessage, beginMessage } from './begin-message.js';

/** A message about to be written: its checked settings, its materials and its header. */
export interface OpenedEncryption extends BegunMessage {
  readonly suite: AlgorithmSuite;
  readonly frameLength: number;
  readonly materials: EncryptionMaterials;
  /** Plaintext bytes the caller declared (`plaintextLength`), or infinity. */
  readonly plaintextLimit: number;
}

/**
 * The start of every encrypt, whichever body writer follows (one thread or the worker pool): the
 * suite allowed by the commitment policy, the frame length and the caller's context checked, the
 * materials from the materials manager, and the header built by {@link beginMessage}.
 */
export async function openEncryption(options: EncryptOptions): Promise<OpenedEncryption> {
  const suite = getSuite(options.suiteId ?? DEFAULT_SUITE_ID);
  assertSuiteAllowedForEncrypt(options.commitmentPolicy ?? DEFAULT_COMMITMENT_POLICY, suite);
  const frameLength = positiveInteger(
    'frameLength',
    options.frameLength ?? DEFAULT_FRAME_LENGTH,
    MAX_FRAME_LENGTH,
  );
  const context = options.encryptionContext ?? {};
  assertCallerContext(context);
  const materials = await materialsManagerOf(options).getEncryptionMaterials({
    suite,
    encryptionContext: context,
    ...(options.plaintextLength === undefined ? {} : { plaintextLength: options.plaintextLength }),
  });
  return {
    suite,
    frameLength,
    materials,
    plaintextLimit: options.plaintextLength ?? Number.POSITIVE_INFINITY,
    ...beginMessage(materials, frameLength),
  };
}
