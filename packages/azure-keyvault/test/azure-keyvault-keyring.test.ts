import {
  AZURE_KEY_VAULT_PROVIDER_ID,
  AzureKeyVaultError,
  AzureKeyVaultKeyring,
  describeAzureKeyVaultKey,
  EmulatorCredential,
} from '@envelope/azure-keyvault';
import { decrypt, encrypt, InvalidArgumentError, KeyringError } from '@envelope/core';
import { expect } from 'chai';
import { FakeVault, KEY, networkError, restError, VAULT } from './fake-vault.js';

const fast = { baseDelayMs: 1, maxDelayMs: 2 };

function setup(keyId = KEY) {
  const vault = new FakeVault();
  const v1 = vault.rotate();
  const keyring = new AzureKeyVaultKeyring({ keyId, clientSupplier: vault.supplier, retry: fast });
  return { vault, v1, keyring };
}

describe('azure key vault keyring: versioned key ids', () => {
  it('writes an azure-kv EDK naming the versioned key id the vault reported', async () => {
    const { vault, v1, keyring } = setup();
    const { header, ciphertext } = await encrypt('hello', { keyring });
    expect(header.encryptedDataKeys).to.have.length(1);
    const edk = header.encryptedDataKeys[0]!;
    expect(edk.providerId).to.equal(AZURE_KEY_VAULT_PROVIDER_ID);
    expect(edk.providerInfo.toString()).to.equal(`${KEY}/${v1}`);
    expect(vault.calls).to.deep.equal([{ op: 'wrapKey', keyId: KEY, algorithm: 'RSA-OAEP-256' }]);
    const out = await decrypt(ciphertext, { keyring });
    expect(out.plaintext.toString()).to.equal('hello');
    expect(vault.calls[1]).to.deep.equal({
      op: 'unwrapKey',
      keyId: `${KEY}/${v1}`,
      algorithm: 'RSA-OAEP-256',
    });
  });

  it('keeps messages from before a rotation readable: unwraps with the version that wrapped', async () => {
    const { vault, v1, keyring } = setup();
    const old = await encrypt('before', { keyring });
    const v2 = vault.rotate();
    const fresh = await encrypt('after', { keyring });
    expect(fresh.header.encryptedDataKeys[0]!.providerInfo.toString()).to.equal(`${KEY}/${v2}`);
    expect((await decrypt(old.ciphertext, { keyring })).plaintext.toString()).to.equal('before');
    expect(vault.calls.at(-1)!.keyId).to.equal(`${KEY}/${v1}`);
    expect((await decrypt(fresh.ciphertext, { keyring })).plaintext.toString()).to.equal('after');
  });

  it('a keyring pinned to a version does not try EDKs of other versions', async () => {
    const { vault, v1, keyring } = setup();
    const old = await encrypt('before', { keyring });
    const v2 = vault.rotate();
    const pinned = new AzureKeyVaultKeyring({ keyId: `${KEY}/${v2}`, clientSupplier: vault.supplier });
    const calls = vault.calls.length;
    const error = await decrypt(old.ciphertext, { keyring: pinned }).catch((e: Error) => e);
    expect(error).to.be.instanceOf(Error);
    expect(vault.calls.length).to.equal(calls);
    expect(v1).to.not.equal(v2);
  });

  it('ignores EDKs of another vault or key, even with the azure-kv provider id', async () => {
    const { vault, keyring } = setup();
    const other = new AzureKeyVaultKeyring({
      keyId: `${VAULT}/keys/other`,
      clientSupplier: vault.supplier,
    });
    const { ciphertext } = await encrypt('x', { keyring });
    const calls = vault.calls.length;
    await decrypt(ciphertext, { keyring: other }).catch(() => undefined);
    expect(vault.calls.length).to.equal(calls);
  });

  it('refuses a wrap answer without a versioned id of the requested key, adding no EDK', async () => {
    for (const reported of [undefined, KEY, `${VAULT}/keys/other/0123456789abcdef0123456789abcdef`]) {
      const { vault, keyring } = setup();
      vault.reportKeyId = () => reported;
      const error = await encrypt('x', { keyring }).catch((e: Error) => e);
      expect(error, String(reported)).to.be.instanceOf(AzureKeyVaultError);
      expect((error as Error).message).to.match(/not a version of the requested key/);
    }
  });

  it('rejects a key id that is not a Key Vault key id, and a missing credential', () => {
    const vault = new FakeVault();
    for (const keyId of [
      'orders',
      'http://contoso.vault.azure.net/keys/k',
      `${VAULT}/secrets/k`,
      `${VAULT}/keys/`,
    ]) {
      expect(() => new AzureKeyVaultKeyring({ keyId, clientSupplier: vault.supplier }), keyId).to.throw(
        InvalidArgumentError,
        /not an Azure Key Vault key id/,
      );
    }
    expect(() => new AzureKeyVaultKeyring({ keyId: KEY })).to.throw(InvalidArgumentError, /credential/);
  });

  it('passes the chosen algorithm to the vault on wrap and unwrap', async () => {
    const vault = new FakeVault();
    vault.rotate();
    const keyring = new AzureKeyVaultKeyring({
      keyId: KEY,
      algorithm: 'A256KW',
      clientSupplier: vault.supplier,
    });
    const { ciphertext } = await encrypt('x', { keyring });
    await decrypt(ciphertext, { keyring });
    expect(vault.calls.map((c) => c.algorithm)).to.deep.equal(['A256KW', 'A256KW']);
  });

  it('describes its EDKs for inspect: provider, cloud, vault host, versioned key', () => {
    const id = `${KEY}/0123456789abcdef0123456789abcdef`;
    expect(describeAzureKeyVaultKey({ providerId: 'azure-kv', providerInfo: Buffer.from(id) })).to.deep.equal(
      {
        provider: 'azure-kv',
        cloud: 'azure',
        location: 'contoso.vault.azure.net',
        key: id,
      },
    );
    expect(describeAzureKeyVaultKey({ providerId: 'aws-kms', providerInfo: Buffer.from(id) })).to.equal(
      undefined,
    );
  });
});

describe('azure key vault keyring: errors and retries', () => {
  it('normalises a vault error into AzureKeyVaultError with code, status, key and a hint', async () => {
    const { vault, keyring } = setup();
    vault.failures.push(restError(403, 'Forbidden', 'Operation wrapKey is not allowed on a disabled key.'));
    const error = (await encrypt('x', { keyring }).catch((e: Error) => e)) as AzureKeyVaultError;
    expect(error).to.be.instanceOf(AzureKeyVaultError).and.instanceOf(KeyringError);
    expect(error.code).to.equal('ENVELOPE_AZURE_KEY_VAULT_FAILED');
    expect(error.azureCode).to.equal('Forbidden');
    expect(error.statusCode).to.equal(403);
    expect(error.message).to.include(`wrapKey with ${KEY} failed: Forbidden 403`);
    expect(error.message).to.match(/disabled key.*access policy/);
  });

  it('lists each failed EDK when unwrap fails, as a KeyringError', async () => {
    const { vault, keyring } = setup();
    const { ciphertext } = await encrypt('x', { keyring });
    vault.versions.clear();
    const error = (await decrypt(ciphertext, { keyring }).catch((e: Error) => e)) as Error;
    expect(error).to.be.instanceOf(KeyringError);
    expect(error.message).to.match(/unwrapKey with .*failed: KeyNotFound 404/);
  });

  it('retries throttling (429) and 503, then succeeds', async () => {
    const { vault, keyring } = setup();
    vault.failures.push(restError(429, 'Throttled'), restError(503, 'ServiceUnavailable'));
    await encrypt('x', { keyring });
    expect(vault.calls.filter((c) => c.op === 'wrapKey')).to.have.length(3);
  });

  it('stops after maxAttempts', async () => {
    const vault = new FakeVault();
    vault.rotate();
    const keyring = new AzureKeyVaultKeyring({
      keyId: KEY,
      clientSupplier: vault.supplier,
      retry: { ...fast, maxAttempts: 2 },
    });
    vault.failures.push(...Array.from({ length: 5 }, () => restError(503, 'ServiceUnavailable')));
    const error = (await encrypt('x', { keyring }).catch((e: Error) => e)) as AzureKeyVaultError;
    expect(error.statusCode).to.equal(503);
    expect(vault.calls).to.have.length(2);
  });

  it('does not retry a vault that refuses connections or a client error: it fails over at once', async () => {
    for (const failure of [
      networkError('ECONNREFUSED'),
      networkError('ENOTFOUND'),
      restError(404, 'KeyNotFound'),
    ]) {
      const { vault, keyring } = setup();
      vault.failures.push(failure, failure, failure);
      const error = (await encrypt('x', { keyring }).catch((e: Error) => e)) as AzureKeyVaultError;
      expect(error).to.be.instanceOf(AzureKeyVaultError);
      expect(vault.calls, failure.message).to.have.length(1);
    }
  });

  it('bounds a vault that never answers by totalTimeoutMs, and aborts the call', async () => {
    let signal: AbortSignal | undefined;
    const keyring = new AzureKeyVaultKeyring({
      keyId: KEY,
      clientSupplier: () => ({
        wrapKey: (_a, _k, options) => {
          signal = options.abortSignal;
          return new Promise(() => {});
        },
        unwrapKey: () => new Promise(() => {}),
      }),
      retry: { totalTimeoutMs: 150 },
    });
    const started = performance.now();
    const error = (await encrypt('x', { keyring }).catch((e: Error) => e)) as AzureKeyVaultError;
    expect(error).to.be.instanceOf(AzureKeyVaultError);
    expect(error.message).to.match(/no answer within 150 ms/);
    expect(signal?.aborted).to.equal(true);
    expect(performance.now() - started).to.be.lessThan(1500);
  });
});

describe('EmulatorCredential', () => {
  it('issues an unsigned JWT with aud = scope resource, exp in an hour, oid and appid', async () => {
    const before = Date.now();
    const token = await new EmulatorCredential('ci-runner').getToken('https://vault.azure.net/.default');
    const [header, payload, signature] = token.token.split('.');
    expect(signature).to.equal('');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).to.deep.include({ alg: 'none' });
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    expect(claims).to.deep.include({ aud: 'https://vault.azure.net', oid: 'ci-runner', appid: 'ci-runner' });
    expect(claims.exp * 1000).to.be.within(before + 3_599_000, Date.now() + 3_600_000);
    expect(token.expiresOnTimestamp).to.be.within(before + 3_599_000, Date.now() + 3_600_000);
    const fallback = await new EmulatorCredential().getToken(['https://localhost:8443/.default']);
    const c2 = JSON.parse(Buffer.from(fallback.token.split('.')[1]!, 'base64url').toString());
    expect(c2).to.deep.include({ aud: 'https://localhost:8443', oid: 'envelope-emulator' });
  });
});
