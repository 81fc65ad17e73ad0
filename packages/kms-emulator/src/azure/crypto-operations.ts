import { addressed } from './addressed.js';
import * as algorithms from './algorithms.js';
import { AzureKeyVaultError, keyDisabled, operationForbidden } from './errors.js';
import { keyId } from './names.js';
import { defineOperation, keyName, keyVersion, type Operation, type OperationContext } from './operation.js';
import type { AzureKeyVersionRecord, KeyOperation } from './records.js';
import { cryptoBody, fromBase64url, parseBody, toBase64url, verifyBody } from './requests.js';

/**
 * Operations Key Vault refuses on a disabled key. It still runs encrypt, wrapKey and verify on one
 * (public-key operations; observed against the live service, Azure/azure-sdk-for-python#45342).
 */
const REFUSED_WHEN_DISABLED: readonly KeyOperation[] = ['decrypt', 'unwrapKey', 'sign'];
/** Operations that produce new protected data, refused after `exp` (the JWK `exp` rule). */
const REFUSED_WHEN_EXPIRED: readonly KeyOperation[] = ['encrypt', 'wrapKey', 'sign'];

/** Whether the version may run `operation` now: enabled, permitted by key_ops, within nbf/exp. */
function checkUsable(version: AzureKeyVersionRecord, operation: KeyOperation, now: number): void {
  if (!version.enabled && REFUSED_WHEN_DISABLED.includes(operation)) throw keyDisabled(operation);
  if (!version.keyOps.includes(operation)) throw operationForbidden(operation);
  if (version.nbf !== undefined && now < version.nbf)
    throw new AzureKeyVaultError(
      'Forbidden',
      `Operation ${operation} is not allowed before the key's nbf time.`,
      'KeyNotYetValid',
    );
  if (version.exp !== undefined && now >= version.exp && REFUSED_WHEN_EXPIRED.includes(operation))
    throw new AzureKeyVaultError(
      'Forbidden',
      `Operation ${operation} is not allowed on an expired key.`,
      'KeyExpired',
    );
}

function cryptoOperation(
  operation: KeyOperation,
  perform: (
    version: AzureKeyVersionRecord,
    material: Buffer,
    body: ReturnType<typeof cryptoBody.parse>,
  ) => Record<string, string | boolean>,
): Operation {
  return defineOperation({
    parse: (request) => {
      const name = keyName(request);
      const version = keyVersion(request);
      const body = parseBody(operation === 'verify' ? verifyBody : cryptoBody, request.body);
      // Only the algorithm is audited: never the value, digest, iv, aad or tag.
      return {
        input: { name, version, body },
        parameters: { name, ...(version ? { version } : {}), alg: body.alg },
      };
    },
    run: ({ name, version, body }, context: OperationContext) => {
      const record = addressed(context, name, version);
      checkUsable(record, operation, context.now);
      const result = context.keys.withMaterial(record, (material) =>
        perform(record, material, body as ReturnType<typeof cryptoBody.parse>),
      );
      // Key Vault's KeyVerifyResult carries only `value`; the other results name the version used.
      return operation === 'verify'
        ? result
        : { kid: keyId(context.vaultUrl, record.name, record.version), ...result };
    },
  });
}

const bytes = (value: string | undefined): Buffer => fromBase64url(value) ?? Buffer.alloc(0);

const symmetric = (body: {
  iv?: string | undefined;
  aad?: string | undefined;
  tag?: string | undefined;
}) => ({
  ...(body.iv !== undefined ? { iv: bytes(body.iv) } : {}),
  ...(body.aad !== undefined ? { aad: bytes(body.aad) } : {}),
  ...(body.tag !== undefined ? { tag: bytes(body.tag) } : {}),
});

/** Decodes a request's plaintext (a key to wrap, data to encrypt) for one use, then zero-fills it. */
function withPlaintext<T>(value: string | undefined, use: (plaintext: Buffer) => T): T {
  const plaintext = bytes(value);
  try {
    return use(plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/** A plaintext result, base64url-encoded, with its buffer zero-filled. */
function secretResult(plaintext: Buffer): { value: string } {
  try {
    return { value: toBase64url(plaintext) };
  } finally {
    plaintext.fill(0);
  }
}

export const cryptoOperations: Readonly<Record<string, Operation>> = {
  encrypt: cryptoOperation('encrypt', (version, material, body) => {
    const out = withPlaintext(body.value, (plaintext) =>
      algorithms.encrypt(version, material, body.alg, plaintext, symmetric(body)),
    );
    return {
      value: toBase64url(out.value),
      ...(out.iv ? { iv: toBase64url(out.iv) } : {}),
      ...(out.tag ? { tag: toBase64url(out.tag) } : {}),
      ...(out.aad ? { aad: toBase64url(out.aad) } : {}),
    };
  }),
  decrypt: cryptoOperation('decrypt', (version, material, body) =>
    secretResult(algorithms.decrypt(version, material, body.alg, bytes(body.value), symmetric(body))),
  ),
  wrapKey: cryptoOperation('wrapKey', (version, material, body) => ({
    value: toBase64url(
      withPlaintext(body.value, (plaintext) => algorithms.wrapKey(version, material, body.alg, plaintext)),
    ),
  })),
  unwrapKey: cryptoOperation('unwrapKey', (version, material, body) =>
    secretResult(algorithms.unwrapKey(version, material, body.alg, bytes(body.value))),
  ),
  sign: cryptoOperation('sign', (version, material, body) => ({
    value: toBase64url(algorithms.sign(version, material, body.alg, bytes(body.value))),
  })),
  verify: cryptoOperation('verify', (version, material, body) => {
    const { digest, value } = body as unknown as { digest: string; value: string };
    return { value: algorithms.verify(version, material, body.alg, bytes(digest), bytes(value)) };
  }),
};
