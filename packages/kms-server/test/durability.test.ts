import { randomBytes } from 'node:crypto';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type KMSClient,
  ReplicateKeyCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import {
  auditedRequestIds,
  type CrashReport,
  counts,
  emptyAcknowledged,
  integrityCheck,
  spawnServer,
  verifySurvivors,
  writeBurst,
} from './crash-harness.js';
import { Fixture } from './helpers.js';

/** CI: 20 kills with short bursts; `CRASH_LONG=1`: 50 kills with longer ones (docs/reliability.md). */
const LONG = process.env.CRASH_LONG === '1';
const KILLS = Number(process.env.CRASH_KILLS ?? (LONG ? 50 : 20));
const WORKERS = 8;
const BURST_MS = LONG ? 300 : 150;

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

  it(`loses no acknowledged write across ${KILLS} SIGKILLs during concurrent, group-committed writes`, async function () {
    this.timeout(KILLS * 30_000);
    const dataDir = fx.dir();
    const rootKeyHex = randomBytes(32).toString('hex');
    const ack = emptyAcknowledged();
    const report: CrashReport = {
      kills: 0,
      acknowledged: counts(ack),
      survived: counts(ack),
      auditRowsFound: 0,
      integrity: [],
      commits: 0,
    };
    // Checks run against a restarted server, so it is the server's own WAL recovery that is tested
    // (the checker's reader connection is never the last to close, so it never checkpoints).
    const checkAfterRestart = async (kms: KMSClient, after: string) => {
      report.survived = await verifySurvivors(kms, ack);
      expect(report.survived, `survivors ${after}`).to.deep.equal(counts(ack));
      report.integrity = integrityCheck(dataDir);
      expect(report.integrity, `PRAGMA integrity_check ${after}`).to.deep.equal(['ok']);
      const audited = auditedRequestIds(dataDir);
      report.auditRowsFound = ack.requestIds.filter((id) => audited.has(id)).length;
      const missing = ack.requestIds.filter((id) => !audited.has(id));
      expect(missing, `acknowledged calls without an audit row ${after}`).to.deep.equal([]);
    };
    for (let cycle = 0; cycle < KILLS; cycle++) {
      const child = await spawnServer(dataDir, rootKeyHex);
      const kms = fx.client(child.url);
      if (cycle > 0) await checkAfterRestart(kms, `after kill ${cycle}`);
      const commitsBefore = child.commits();
      const burst = writeBurst(kms, ack, WORKERS, String(cycle));
      await new Promise((resolve) => setTimeout(resolve, BURST_MS + Math.random() * BURST_MS));
      report.commits += child.commits() - commitsBefore;
      child.process.kill('SIGKILL');
      await new Promise((resolve) => child.process.once('exit', resolve));
      await burst.stop();
      report.kills++;
      if (LONG) process.stderr.write(`kill ${report.kills}: ${JSON.stringify(counts(ack))}\n`);
    }
    const restarted = await fx.server({ dataDir, rootKey: Buffer.from(rootKeyHex, 'hex') });
    report.acknowledged = counts(ack);
    await checkAfterRestart(fx.client(restarted.url), `after kill ${KILLS}`);
    process.stderr.write(`crash harness: ${JSON.stringify(report)}\n`);
    expect(report.acknowledged.keys).to.be.greaterThan(KILLS);
    // The kills hit group commits: concurrent calls shared COMMITs (a commit's calls are answered
    // only after it, so a kill before it loses only unanswered calls).
    expect(report.commits).to.be.greaterThan(0);
    expect(report.commits).to.be.lessThan(report.acknowledged.calls);
  });
});
