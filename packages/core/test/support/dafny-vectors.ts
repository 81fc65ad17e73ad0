import { readFileSync } from 'node:fs';

/** The AWS Encryption SDK 4.1.0 decrypt vectors kept in fixtures/dafny-4.1.0 (see its README). */
const root = new URL('../fixtures/dafny-4.1.0/', import.meta.url);

export interface KeyDescription {
  readonly type: string;
  readonly key?: string;
  readonly 'provider-id'?: string;
  readonly sender?: string;
  readonly recipient?: string;
  readonly 'ecc-curve'?: string;
  readonly schema?: string;
  readonly underlying?: KeyDescription;
  readonly requiredEncryptionContextKeys?: string[];
}

export interface DafnyVector {
  readonly name: string;
  readonly description: string;
  readonly suiteId: string;
  readonly keyDescription: KeyDescription;
  readonly reproducedEncryptionContext: Record<string, string>;
  readonly ciphertext: Buffer;
  readonly plaintext: Buffer;
}

interface ManifestScenario {
  ciphertext: string;
  result: string;
  algorithmSuiteId: string;
  description: string;
  decryptKeyDescription: KeyDescription;
  'reproduced-encryption-context': Record<string, string>;
}

const file = (uri: string) => readFileSync(new URL(uri.replace('file://', ''), root));

export function dafnyVectors(keyType: string): DafnyVector[] {
  const manifest = JSON.parse(file('decrypt-manifest.json').toString('utf8')) as {
    tests: Record<string, { 'decryption-scenario': ManifestScenario }>;
  };
  return Object.entries(manifest.tests)
    .map(([name, { 'decryption-scenario': s }]) => ({
      name,
      description: s.description,
      suiteId: s.algorithmSuiteId,
      keyDescription: s.decryptKeyDescription,
      reproducedEncryptionContext: s['reproduced-encryption-context'],
      ciphertext: file(s.ciphertext),
      plaintext: file(s.result),
    }))
    .filter((v) => v.keyDescription.type === keyType);
}

export interface VectorKey {
  readonly material?: string;
  readonly 'sender-material'?: string;
  readonly 'recipient-material'?: string;
  readonly 'sender-material-public-key'?: string;
  readonly 'recipient-material-public-key'?: string;
  readonly 'key-id': string;
  readonly bits: number;
}

export function dafnyKey(name: string): VectorKey {
  const keys = JSON.parse(file('keys.json').toString('utf8')) as { keys: Record<string, VectorKey> };
  const key = keys.keys[name];
  if (!key) throw new Error(`no key ${name} in the vector keys`);
  return key;
}
