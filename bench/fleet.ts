import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AwsKmsKeyring, cachingClientSupplier } from '@envelope/aws-kms';
import {
  decrypt,
  decryptMessage,
  encrypt,
  encryptMessage,
  type FleetMessage,
  type FleetSummary,
  rotateFleet,
} from '@envelope/core';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { createKmsRequestHandler } from '@envelope/kms-protocols/aws-json';
import { table } from './measure.js';

const MiB = 1024 * 1024;
const CONCURRENCY = 8;
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };

/** Two AWS KMS keys (old, new) in the in-process emulator, reached through the official SDK. */
async function emulator() {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  const requestHandler = createKmsRequestHandler(engine);
  const clientSupplier = cachingClientSupplier({ credentials: CREDENTIALS, requestHandler });
  const key = async (region: string) =>
    (await new KMSClient({ region, credentials: CREDENTIALS, requestHandler }).send(new CreateKeyCommand({})))
      .KeyMetadata!.Arn!;
  const keyring = (arn: string) => new AwsKmsKeyring({ generatorKeyId: arn, clientSupplier });
  const oldKey = keyring(await key('us-east-1'));
  const newKey = keyring(await key('eu-west-1'));
  const calls = () => engine.auditLog({}).length;
  return { oldKey, newKey, calls };
}

/** Runs `work` over `items` with at most `concurrency` in flight (the baseline's scheduler). */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

interface Row {
  readonly label: string;
  readonly ms: number;
  readonly calls: number;
  readonly summary?: FleetSummary;
}

function rows(what: string, count: number, bytes: number, measured: Row[]) {
  const baseline = measured[0]!;
  return measured.map((r) => [
    `${what}: ${r.label}`,
    (count / r.ms) * 1000,
    bytes / 1e6 / (r.ms / 1000),
    String(r.calls),
    r.summary
      ? `${r.summary.kmsCalls.unwraps} unwrap + ${r.summary.kmsCalls.wraps} wrap (+${r.summary.kmsCalls.probeWraps} probe)`
      : '1 Decrypt + 1 GenerateDataKey per message',
    r === baseline ? '1.00×' : `${(baseline.ms / r.ms).toFixed(2)}×`,
  ]);
}

async function timed(
  label: string,
  calls: () => number,
  run: () => Promise<FleetSummary | undefined>,
): Promise<Row> {
  const before = calls();
  const start = performance.now();
  const summary = await run();
  const ms = performance.now() - start;
  if (summary && (summary.failed > 0 || summary.rotated !== summary.messages)) {
    throw new Error(`fleet bench: ${summary.failed} failed: ${summary.failures[0]?.reason}`);
  }
  return { label, ms, calls: calls() - before, ...(summary ? { summary } : {}) };
}

/** 10,000 messages of 4 KiB held in memory. */
async function smallMessages(count: number): Promise<(string | number)[][]> {
  const kms = await emulator();
  const plaintext = randomBytes(4096);
  const rows0: Buffer[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      rows0[i] = (await encrypt(plaintext, { keyring: kms.oldKey })).ciphertext;
    },
  );
  const dataSet = (from: Buffer[]) => {
    const rows = [...from];
    const messages: FleetMessage[] = rows.map((_, i) => ({
      id: String(i),
      read: async function* () {
        yield rows[i]!;
      },
      write: async (message) => {
        const parts: Buffer[] = [];
        for await (const part of message) parts.push(Buffer.from(part));
        rows[i] = Buffer.concat(parts);
      },
    }));
    return { rows, messages };
  };
  const baseline = await timed('decrypt + encrypt (baseline)', kms.calls, async () => {
    const { rows } = dataSet(rows0);
    await pool(
      rows.map((_, i) => i),
      CONCURRENCY,
      async (i) => {
        const { plaintext: p } = await decrypt(rows[i]!, { keyring: kms.oldKey });
        rows[i] = (await encrypt(p, { keyring: kms.newKey })).ciphertext;
      },
    );
    return undefined;
  });
  const fleet = (verify: boolean) =>
    timed(`rotateFleet${verify ? '' : ', verify off'}`, kms.calls, () =>
      rotateFleet(dataSet(rows0).messages, {
        keyring: kms.oldKey,
        targetKeyring: kms.newKey,
        concurrency: CONCURRENCY,
        verify,
      }),
    );
  return rows(`${count} × 4 KiB`, count, count * 4096, [baseline, await fleet(true), await fleet(false)]);
}

/** `count` messages of `size` bytes on disk, rewritten file to file (temp + rename). */
async function largeMessages(count: number, size: number): Promise<(string | number)[][]> {
  const kms = await emulator();
  const dir = await mkdtemp(join(tmpdir(), 'envelope-bench-fleet-'));
  try {
    const plaintext = randomBytes(16 * MiB);
    const source = async function* () {
      for (let done = 0; done < size; done += plaintext.length)
        yield plaintext.subarray(0, Math.min(plaintext.length, size - done));
    };
    const paths = Array.from({ length: count }, (_, i) => join(dir, `m${i}.env`));
    for (const path of paths) {
      await pipeline(
        encryptMessage(source(), { keyring: kms.oldKey, plaintextLength: size }),
        createWriteStream(path),
      );
    }
    const write = async (path: string, message: AsyncIterable<Uint8Array>) => {
      await pipeline(message, createWriteStream(`${path}.new`));
      await rename(`${path}.new`, path);
    };
    const copies = async (tag: string) => {
      const out: string[] = [];
      for (const path of paths) {
        const copy = `${path}.${tag}`;
        await pipeline(createReadStream(path), createWriteStream(copy));
        out.push(copy);
      }
      return out;
    };
    const baselineFiles = await copies('baseline');
    const baseline = await timed('decrypt + encrypt (baseline)', kms.calls, async () => {
      await pool(baselineFiles, CONCURRENCY, async (path) => {
        const plain = decryptMessage(createReadStream(path, { highWaterMark: MiB }), { keyring: kms.oldKey });
        await write(path, encryptMessage(plain, { keyring: kms.newKey }));
      });
      return undefined;
    });
    const fleet = async (verify: boolean) => {
      const files = await copies(verify ? 'fleet' : 'fleet-noverify');
      const messages: FleetMessage[] = files.map((path) => ({
        id: path,
        read: () => createReadStream(path, { highWaterMark: MiB }),
        write: (message) => write(path, message),
      }));
      const row = await timed(`rotateFleet${verify ? '' : ', verify off'}`, kms.calls, () =>
        rotateFleet(messages, {
          keyring: kms.oldKey,
          targetKeyring: kms.newKey,
          concurrency: CONCURRENCY,
          verify,
        }),
      );
      for (const f of files) await rm(f);
      return row;
    };
    const measured = [baseline, await fleet(true), await fleet(false)];
    const bytes = (await stat(paths[0]!)).size;
    return rows(`${count} × ${size / MiB} MiB`, count, count * bytes, measured);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Fleet rotation (rotateFleet) of many small and a few large messages from one AWS KMS key to
 * another through the in-process emulator and the official SDK, against decrypt + encrypt of the
 * same messages with the same keys and concurrency. `BENCH_FLEET_SMALL` (count) and
 * `BENCH_FLEET_LARGE` (MiB per large message) scale it down on a loaded machine.
 */
export async function fleetBench(): Promise<string> {
  const small = Number(process.env.BENCH_FLEET_SMALL ?? 10_000);
  const largeMiB = Number(process.env.BENCH_FLEET_LARGE ?? 256);
  const measured = [...(await smallMessages(small)), ...(await largeMessages(8, largeMiB * MiB))];
  return table(
    ['data set: how', 'messages/s', 'MB/s', 'KMS calls (audit)', 'keyring calls', 'vs baseline'],
    measured,
  );
}
