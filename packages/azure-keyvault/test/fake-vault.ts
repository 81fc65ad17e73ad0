import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AzureClientSupplier, AzureKeyClient, AzureKeyWrapAlgorithm } from '@envelope/azure-keyvault';

export const VAULT = 'https://contoso.vault.azure.net';
export const KEY = `${VAULT}/keys/orders`;

/** An Azure-shaped RestError: what the SDK throws when the vault answers with an error. */
export function restError(statusCode: number, code: string, message = `${code} from the vault`): Error {
  return Object.assign(new Error(message), {
    name: 'RestError',
    statusCode,
    code,
    details: { error: { code, message } },
  });
}

/** A network failure as core-rest-pipeline reports it. */
export function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { name: 'RestError', code });
}

/**
 * A vault with AES-KW key versions (the wrap is real, so a wrong version cannot unwrap); `latest`
 * answers wrapKey on the unversioned id, as Key Vault does. Records each call's key id.
 */
export class FakeVault {
  readonly versions = new Map<string, Buffer>();
  latest = '';
  readonly calls: Array<{ op: string; keyId: string; algorithm: AzureKeyWrapAlgorithm }> = [];
  /** Fails the next calls with these errors, in order. */
  readonly failures: Error[] = [];
  /** Overrides the key id reported by wrapKey. */
  reportKeyId: ((asked: string) => string | undefined) | undefined;

  rotate(): string {
    const version = randomBytes(16).toString('hex');
    this.versions.set(version, randomBytes(32));
    this.latest = version;
    return version;
  }

  readonly supplier: AzureClientSupplier = (keyId) => this.client(keyId);

  client(keyId: string): AzureKeyClient {
    const resolve = () => {
      const version = keyId.startsWith(`${KEY}/`) ? keyId.slice(KEY.length + 1) : this.latest;
      const material = this.versions.get(version);
      if (!material) throw restError(404, 'KeyNotFound', `A key with (name/id) ${keyId} was not found`);
      return { version, material };
    };
    return {
      wrapKey: async (algorithm, key) => {
        this.calls.push({ op: 'wrapKey', keyId, algorithm });
        const failure = this.failures.shift();
        if (failure) throw failure;
        const { version, material } = resolve();
        const c = createCipheriv('id-aes256-wrap', material, Buffer.alloc(8, 0xa6));
        const result = Buffer.concat([c.update(key), c.final()]);
        const reported = this.reportKeyId ? this.reportKeyId(keyId) : `${KEY}/${version}`;
        return { result, keyID: reported };
      },
      unwrapKey: async (algorithm, encryptedKey) => {
        this.calls.push({ op: 'unwrapKey', keyId, algorithm });
        const failure = this.failures.shift();
        if (failure) throw failure;
        const { version, material } = resolve();
        const d = createDecipheriv('id-aes256-wrap', material, Buffer.alloc(8, 0xa6));
        try {
          return { result: Buffer.concat([d.update(encryptedKey), d.final()]), keyID: `${KEY}/${version}` };
        } catch {
          throw restError(400, 'BadParameter', 'The parameter is incorrect.');
        }
      },
    };
  }
}
