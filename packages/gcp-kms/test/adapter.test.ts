import {
  ConfigError,
  type EmulatorTarget,
  encrypt,
  KEYRING_ADAPTER,
  type KeyringAdapter,
  type KeyringAdapterContext,
  providerInfoText,
} from '@envelope/core';
import {
  GcpKmsDiscoveryKeyring,
  GcpKmsKeyring,
  gcpKmsAdapter,
  gcpKmsDiscoveryAdapter,
  gcpKmsModule,
} from '@envelope/gcp-kms';
import { expect } from 'chai';
import { Container } from 'inversify';
import { FakeCloudKms, KEY_A, KEY_B } from './support/fake-cloud-kms.js';

/** The context @envelope/config hands an adapter, reduced to what these adapters use. */
function context(
  emulator: EmulatorTarget | undefined,
  emulatorClient?: Readonly<Record<string, unknown>>,
): KeyringAdapterContext {
  return {
    path: ['keyring'],
    emulator,
    emulatorClient,
    resolveKeyring: () => Promise.reject(new Error('not used')),
    readSecret: () => Promise.reject(new Error('not used')),
    async validate(schema, value) {
      const result = await schema['~standard'].validate(value);
      if (result.issues) throw new ConfigError(result.issues.map((i) => i.message).join('; '));
      return result.value;
    },
  };
}

/** The in-process switch, with what the package's emulator hook would return: a client. */
const inProcess = (client: FakeCloudKms): [EmulatorTarget, Readonly<Record<string, unknown>>] => [
  { url: undefined, engine: {} },
  { client },
];

describe('gcp-kms config adapters', () => {
  it('registers gcp-kms and gcp-kms-discovery in an inversify container', async () => {
    const container = new Container();
    await container.load(gcpKmsModule);
    expect(container.getAll<KeyringAdapter>(KEYRING_ADAPTER).map((a) => a.type)).to.deep.equal([
      'gcp-kms',
      'gcp-kms-discovery',
    ]);
  });

  it('builds a strict keyring that uses the emulator client when the switch is on', async () => {
    const kms = new FakeCloudKms();
    const keyring = await gcpKmsAdapter.create(
      { type: 'gcp-kms', generator: KEY_A, keyNames: [KEY_B], timeoutMs: 2000 },
      context(...inProcess(kms)),
    );
    expect(keyring).to.be.instanceOf(GcpKmsKeyring);
    const { header } = await encrypt('x', { keyring });
    expect(header.encryptedDataKeys.map(providerInfoText)).to.deep.equal([KEY_A, KEY_B]);
    expect(kms.calls[0]!.options!.timeout).to.be.at.most(2000);
  });

  it('builds a discovery keyring with a project/location filter', async () => {
    const keyring = await gcpKmsDiscoveryAdapter.create(
      {
        type: 'gcp-kms-discovery',
        discoveryFilter: { projects: ['envelope-*'], locations: ['europe-west1'] },
      },
      context(...inProcess(new FakeCloudKms())),
    );
    expect(keyring).to.be.instanceOf(GcpKmsDiscoveryKeyring);
    expect(keyring.description).to.include('envelope-*');
  });

  it('refuses a key that is not a CryptoKey name, naming the expected form', async () => {
    try {
      await gcpKmsAdapter.create({ type: 'gcp-kms', generator: 'alias/my-key' }, context(undefined));
      expect.fail('expected a rejection');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.include('projects/<project>/locations/<location>');
    }
  });

  it('never falls back to Google when the emulator switch is on but offers no Cloud KMS endpoint', async () => {
    const awsOnly: EmulatorTarget = { url: 'http://127.0.0.1:4599', endpoints: async () => ({}) };
    try {
      await gcpKmsAdapter.create({ type: 'gcp-kms', generator: KEY_A }, context(awsOnly, {}));
      expect.fail('expected a rejection');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.include('serves no Cloud KMS face');
    }
  });
});
