import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ReplicateKeyCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { Fixture } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url));

describe('durable storage', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('keeps keys, aliases, replicas and ciphertexts across a restart on the same data dir', async () => {
    const dataDir = fx.dir();
    const rootKey = randomBytes(32);
    const first = await fx.server({ dataDir, rootKey });
    const kms = fx.client(first.url);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ MultiRegion: true }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/restart', TargetKeyId: KeyMetadata!.KeyId }));
    await kms.send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: 'us-west-2' }));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({
        KeyId: 'alias/restart',
        Plaintext: Buffer.from('kept'),
        EncryptionContext: { a: 'b' },
      }),
    );
    await first.close();

    const second = await fx.server({ dataDir, rootKey });
    const again = fx.client(second.url);
    const plain = await again.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: 'b' } }));
    expect(Buffer.from(plain.Plaintext!).toString()).to.equal('kept');
    const { KeyMetadata: viaAlias } = await again.send(new DescribeKeyCommand({ KeyId: 'alias/restart' }));
    expect(viaAlias!.KeyId).to.equal(KeyMetadata!.KeyId);
    const west = fx.client(second.url, { region: 'us-west-2' });
    const fromReplica = await west.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: 'b' }, KeyId: KeyMetadata!.KeyId }),
    );
    expect(Buffer.from(fromReplica.Plaintext!).toString()).to.equal('kept');
  });

  it('creates the data dir 0700 and the database files 0600', async () => {
    const dataDir = join(fx.dir(), 'nested', 'kms');
    const server = await fx.server({ dataDir });
    await fx.client(server.url).send(new CreateKeyCommand({}));
    expect(statSync(dataDir).mode & 0o777).to.equal(0o700);
    for (const file of ['kms.sqlite', 'kms.sqlite-wal', 'root-key.check']) {
      expect(statSync(join(dataDir, file)).mode & 0o777, file).to.equal(0o600);
    }
  });

  it('leaves the mode of an existing data dir alone and warns when others can read it', async () => {
    const dataDir = fx.dir();
    chmodSync(dataDir, 0o755);
    const logs: Record<string, unknown>[] = [];
    await fx.server({ dataDir, log: (record) => logs.push(record) });
    expect(statSync(dataDir).mode & 0o777).to.equal(0o755);
    expect(logs.some((l) => l.level === 'warn' && String(l.msg).includes('chmod 700'))).to.equal(true);
  });

  it('loses no acknowledged write when the server process is SIGKILLed mid-burst', async function () {
    this.timeout(30_000);
    const dataDir = fx.dir();
    const rootKeyHex = randomBytes(32).toString('hex');
    const child = await spawnServer(dataDir, rootKeyHex);
    const kms = fx.client(child.url);

    const acknowledged = {
      keys: [] as string[],
      aliases: new Map<string, string>(),
      ciphertexts: [] as Uint8Array[],
    };
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
          acknowledged.keys.push(KeyMetadata!.KeyId!);
          const alias = `alias/crash-${w}-${i}`;
          await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata!.KeyId }));
          acknowledged.aliases.set(alias, KeyMetadata!.KeyId!);
          const { CiphertextBlob } = await kms.send(
            new EncryptCommand({ KeyId: alias, Plaintext: Buffer.from(`${w}-${i}`) }),
          );
          acknowledged.ciphertexts.push(CiphertextBlob!);
        } catch {
          return; // the server died under this call: it was never acknowledged
        }
      }
    };
    const burst = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.process.kill('SIGKILL');
    stop = true;
    await burst;
    expect(acknowledged.keys.length).to.be.greaterThan(20);

    const restarted = await fx.server({ dataDir, rootKey: Buffer.from(rootKeyHex, 'hex') });
    const after = fx.client(restarted.url);
    for (const keyId of acknowledged.keys) await after.send(new DescribeKeyCommand({ KeyId: keyId }));
    for (const [alias, keyId] of acknowledged.aliases) {
      const { KeyMetadata } = await after.send(new DescribeKeyCommand({ KeyId: alias }));
      expect(KeyMetadata!.KeyId).to.equal(keyId);
    }
    for (const blob of acknowledged.ciphertexts)
      await after.send(new DecryptCommand({ CiphertextBlob: blob }));
  });
});

async function spawnServer(
  dataDir: string,
  rootKeyHex: string,
): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@envelope/source', FIXTURE, dataDir, rootKeyHex],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, process: child };
}
