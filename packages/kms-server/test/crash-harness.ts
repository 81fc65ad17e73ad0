import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type KMSClient,
  ListGrantsCommand,
} from '@aws-sdk/client-kms';
import { openSqlite } from '@envelope/kms-emulator';

const FIXTURE = fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url));
const GRANTEE = 'arn:aws:iam::111122223333:user/grantee';

/** Everything the server acknowledged (answered 200), and the request id of every such call. */
export interface Acknowledged {
  readonly keys: string[];
  readonly aliases: Map<string, string>;
  readonly grants: Map<string, string>; // grant id → key id
  readonly ciphertexts: { blob: Uint8Array; plaintext: string }[];
  readonly requestIds: string[];
}

export interface CrashReport {
  kills: number;
  acknowledged: { calls: number; keys: number; aliases: number; grants: number; ciphertexts: number };
  survived: { calls: number; keys: number; aliases: number; grants: number; ciphertexts: number };
  auditRowsFound: number;
  integrity: string[];
  /** COMMITs the servers reported while serving the bursts (group commit: fewer than the calls). */
  commits: number;
}

export function emptyAcknowledged(): Acknowledged {
  return { keys: [], aliases: new Map(), grants: new Map(), ciphertexts: [], requestIds: [] };
}

/** A durable server in a child process (so it can be SIGKILLed); resolves once it listens. */
export async function spawnServer(
  dataDir: string,
  rootKeyHex: string,
): Promise<{ url: string; process: ChildProcess; commits(): number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@envelope/source', FIXTURE, dataDir, rootKeyHex],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  // The store's commits as last reported (at most 20 ms old): how many COMMITs served the calls.
  let commits = 0;
  lines.on('line', (report) => {
    commits = (JSON.parse(report) as { commits: number }).commits;
  });
  return { url: (JSON.parse(line) as { url: string }).url, process: child, commits: () => commits };
}

/**
 * Concurrent writers (CreateKey → CreateAlias → CreateGrant → Encrypt, in a loop) until `stop()`;
 * each answered call is recorded as acknowledged. A call the kill interrupts is not.
 */
export function writeBurst(kms: KMSClient, ack: Acknowledged, workers: number, tag: string) {
  let stopped = false;
  const record = <T extends { $metadata: { requestId?: string } }>(out: T): T => {
    if (out.$metadata.requestId) ack.requestIds.push(out.$metadata.requestId);
    return out;
  };
  const worker = async (w: number) => {
    for (let i = 0; !stopped; i++) {
      try {
        const { KeyMetadata } = record(await kms.send(new CreateKeyCommand({})));
        const keyId = KeyMetadata!.KeyId!;
        ack.keys.push(keyId);
        const alias = `alias/crash-${tag}-${w}-${i}`;
        record(await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId })));
        ack.aliases.set(alias, keyId);
        const grant = record(
          await kms.send(
            new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: GRANTEE, Operations: ['Decrypt'] }),
          ),
        );
        ack.grants.set(grant.GrantId!, keyId);
        const plaintext = `${tag}-${w}-${i}`;
        const { CiphertextBlob } = record(
          await kms.send(new EncryptCommand({ KeyId: alias, Plaintext: Buffer.from(plaintext) })),
        );
        ack.ciphertexts.push({ blob: CiphertextBlob!, plaintext });
      } catch {
        return; // the server died under this call: it was never acknowledged
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** `PRAGMA integrity_check` on the (closed) database: `['ok']` when sound. */
export function integrityCheck(dataDir: string): string[] {
  const db = openSqlite(join(dataDir, 'kms.sqlite'));
  try {
    const rows = db.prepare<[], Record<string, unknown>>('PRAGMA integrity_check').all();
    return rows.map((row) => String(Object.values(row)[0]));
  } finally {
    db.close();
  }
}

/** Request ids of every audit row in the database. */
export function auditedRequestIds(dataDir: string): Set<string> {
  const db = openSqlite(join(dataDir, 'kms.sqlite'), { readonly: true });
  try {
    const rows = db.prepare<[], { record: string }>('SELECT record FROM audit_records').all();
    return new Set(rows.map((row) => (JSON.parse(row.record) as { requestId: string }).requestId));
  } finally {
    db.close();
  }
}

/** Checks every acknowledged write through `kms`; returns how many of each survived. */
export async function verifySurvivors(kms: KMSClient, ack: Acknowledged): Promise<CrashReport['survived']> {
  const survived = { calls: 0, keys: 0, aliases: 0, grants: 0, ciphertexts: 0 };
  const ok = async (fn: () => Promise<boolean>) => fn().catch(() => false);
  for (const keyId of ack.keys)
    if (await ok(async () => !!(await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata))
      survived.keys++;
  for (const [alias, keyId] of ack.aliases)
    if (
      await ok(
        async () => (await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata?.KeyId === keyId,
      )
    )
      survived.aliases++;
  const grantsByKey = new Map<string, Set<string>>();
  for (const [grantId, keyId] of ack.grants) {
    let ids = grantsByKey.get(keyId);
    if (!ids) {
      const listed = await kms.send(new ListGrantsCommand({ KeyId: keyId })).catch(() => undefined);
      ids = new Set((listed?.Grants ?? []).map((g) => g.GrantId!));
      grantsByKey.set(keyId, ids);
    }
    if (ids.has(grantId)) survived.grants++;
  }
  for (const { blob, plaintext } of ack.ciphertexts)
    if (
      await ok(
        async () =>
          Buffer.from(
            (await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!,
          ).toString() === plaintext,
      )
    )
      survived.ciphertexts++;
  survived.calls = ack.requestIds.length; // refined by the audit check
  return survived;
}

export function counts(ack: Acknowledged): CrashReport['acknowledged'] {
  return {
    calls: ack.requestIds.length,
    keys: ack.keys.length,
    aliases: ack.aliases.size,
    grants: ack.grants.size,
    ciphertexts: ack.ciphertexts.length,
  };
}
