import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope, parseConfig } from '@envelope/config';
import {
  ConfigError,
  type EncryptionMaterials,
  KEYRING_ADAPTER,
  type Keyring,
  type KeyringAdapter,
  RawAesKeyring,
} from '@envelope/core';
import { expect } from 'chai';
import { ContainerModule } from 'inversify';
import { z } from 'zod';

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('hex');
const env = { KEY_A, KEY_B, TENANT: 'acme' };

const MULTI = `
keyring:
  type: multi
  generator: { type: raw-aes, keyNamespace: app, keyName: a, key: { env: KEY_A } }
  children:
    - { type: raw-aes, keyNamespace: app, keyName: b, key: { env: KEY_B, encoding: hex } }
requiredEncryptionContext:
  tenant: \${TENANT}
frameLength: 1024
`;

async function expectConfigError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(ConfigError);
  expect((error as Error).message).to.match(pattern);
}

describe('config', () => {
  describe('loading', () => {
    it('interpolates ${ENV} and ${ENV:-default}', () => {
      const config = parseConfig(
        'keyring: { type: x }\nrequiredEncryptionContext: { a: "${TENANT}", b: "${MISSING:-fallback}" }',
        'envelope.yaml',
        env,
      );
      expect(config.requiredEncryptionContext).to.deep.equal({ a: 'acme', b: 'fallback' });
    });

    it('names the variable and the path when an environment variable is missing', () => {
      expect(() => parseConfig('keyring: { type: x, region: "${NOPE}" }', 'envelope.yaml', {})).to.throw(
        ConfigError,
        /envelope\.yaml: keyring\.region uses \$\{NOPE\}/,
      );
    });

    it('points at the offending path and says what was expected', () => {
      expect(() => parseConfig('keyring: { type: x }\nframeLength: -5', 'envelope.yaml', {})).to.throw(
        ConfigError,
        /envelope\.yaml: frameLength: .*>=\s*1/,
      );
      expect(() => parseConfig('keyring: { type: x }\nsuite: "fast"', 'e.yaml', {})).to.throw(
        ConfigError,
        /e\.yaml: suite/,
      );
      expect(() => parseConfig('{ "keyring": { "type": "x" }, "extra": 1 }', 'e.json', {})).to.throw(
        ConfigError,
        /extra/,
      );
    });

    it('reads JSON as well as YAML and reports syntax errors with the file name', () => {
      expect(parseConfig('{ "keyring": { "type": "x" } }', 'envelope.json', {}).keyring.type).to.equal('x');
      expect(() => parseConfig('{ nope', 'envelope.json', {})).to.throw(
        ConfigError,
        /envelope\.json: not valid JSON/,
      );
    });
  });

  describe('resolving keyrings through the container', () => {
    it('builds a multi-keyring of raw AES keys from the environment and round-trips data', async () => {
      const envelope = await createEnvelope({ configText: MULTI, env });
      const { ciphertext, header } = await envelope.encrypt('secret', {
        encryptionContext: { tenant: 'acme' },
      });
      expect(header.frameLength).to.equal(1024);
      expect(header.encryptedDataKeys).to.have.length(2);
      expect((await envelope.decrypt(ciphertext)).plaintext.toString()).to.equal('secret');
    });

    it('passes onProgress of encryptFile and decryptFile through to core', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'envelope-config-'));
      const plaintext = randomBytes(5000);
      await writeFile(join(dir, 'plain'), plaintext);
      const envelope = await createEnvelope({ configText: MULTI, env });
      const sealed: number[] = [];
      await envelope.encryptFile(join(dir, 'plain'), join(dir, 'message'), {
        encryptionContext: { tenant: 'acme' },
        onProgress: (done) => sealed.push(done),
      });
      const opened: number[] = [];
      await envelope.decryptFile(join(dir, 'message'), join(dir, 'out'), {
        onProgress: (done) => opened.push(done),
      });
      expect(await readFile(join(dir, 'out'))).to.deep.equal(plaintext);
      expect(sealed.at(-1)).to.equal(5000);
      expect(opened.at(-1)).to.equal(5000);
    });

    it('enforces the configured required encryption context on decrypt', async () => {
      const envelope = await createEnvelope({ configText: MULTI, env });
      const { ciphertext } = await envelope.encrypt('secret', { encryptionContext: { tenant: 'other' } });
      const error = await envelope.decrypt(ciphertext).catch((e: Error) => e);
      expect((error as Error).name).to.equal('EncryptionContextMismatchError');
    });

    it('reads key material from a file relative to the config file', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'envelope-config-'));
      await writeFile(join(dir, 'kek.bin'), randomBytes(32));
      await writeFile(
        join(dir, 'envelope.yaml'),
        'keyring: { type: raw-aes, keyNamespace: n, keyName: k, key: { file: kek.bin } }',
      );
      const envelope = await createEnvelope({ configFile: join(dir, 'envelope.yaml'), env: {} });
      expect(envelope.keyring.description).to.equal('raw-aes:n/k');
    });

    it('refuses inline key material', async () => {
      await expectConfigError(
        createEnvelope({
          configText: 'keyring: { type: raw-aes, keyNamespace: n, keyName: k, key: "AAAA" }',
          env,
        }),
        /keyring\.key: key material must come from \{ file: <path> \} or \{ env: <VARIABLE> \}/,
      );
    });

    it('lists the registered types when a type is unknown', async () => {
      await expectConfigError(
        createEnvelope({ configText: 'keyring: { type: multi, children: [ { type: vault } ] }', env }),
        /keyring\.children\[0\]\.type: unknown keyring type 'vault'; registered types: multi, raw-aes, raw-ecdh, raw-rsa; from packages: aws-kms\* \(@envelope\/aws-kms\), azure-keyvault\* \(@envelope\/azure-keyvault\), emulator\* \(@envelope\/aws-kms\), gcp-kms\* \(@envelope\/gcp-kms\)/,
      );
    });

    it("reports an adapter's validation errors at their path", async () => {
      await expectConfigError(
        createEnvelope({
          configText: 'keyring: { type: raw-rsa, keyNamespace: n, keyName: k, padding: rot13 }',
          env,
        }),
        /envelope\.yaml: keyring\.padding/,
      );
    });

    it('lets a third-party module register a new keyring type with no change to Envelope', async () => {
      const made: string[] = [];
      const vaultOptions = z.object({ type: z.literal('acme-vault'), mount: z.string() }).strict();
      const vaultAdapter: KeyringAdapter<z.output<typeof vaultOptions>> = {
        type: 'acme-vault',
        description: 'a third-party keyring',
        schema: vaultOptions,
        async create(options) {
          made.push(String(options.mount));
          const inner = new RawAesKeyring({
            keyNamespace: 'acme',
            keyName: 'vault',
            wrappingKey: randomBytes(32),
          });
          const keyring: Keyring = {
            description: 'acme-vault',
            onEncrypt: (m: EncryptionMaterials) => inner.onEncrypt(m),
            onDecrypt: (m, edks) => inner.onDecrypt(m, edks),
          };
          return keyring;
        },
      };
      const acmeModule = new ContainerModule((o) => {
        o.bind<KeyringAdapter>(KEYRING_ADAPTER).toConstantValue(vaultAdapter);
      });
      const envelope = await createEnvelope({
        configText: 'keyring: { type: acme-vault, mount: secret/payments }',
        env,
        modules: [acmeModule],
      });
      const { ciphertext } = await envelope.encrypt('hi');
      expect((await envelope.decrypt(ciphertext)).plaintext.toString()).to.equal('hi');
      expect(made).to.deep.equal(['secret/payments']);
    });

    it('puts a caching materials manager in front of the keyring when cache is configured', async () => {
      const envelope = await createEnvelope({ configText: `${MULTI}\ncache: { maxAgeMs: 60000 }`, env });
      expect(envelope.materialsManager.constructor.name).to.equal('CachingMaterialsManager');
    });
  });
});
