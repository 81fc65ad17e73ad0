/**
 * `BENCH_ONLY=list`: the first page of ListKeys, ListAliases, ListGrants and ListRetirableGrants at
 * 1k, 10k and 100k keys, on the memory and the SQLite store. Keyset pagination makes a page cost
 * O(page) whatever the store holds, so the 100k / 1k ratio of each median should stay near 1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AwsResources,
  type KeyRecord,
  KmsEngine,
  MemoryResourceStore,
  type ResourceStore,
  SqliteResourceStore,
} from '@envelope/kms-emulator';
import { table } from './measure.js';

const SIZES = [1_000, 10_000, 100_000];
const RUNS = 30;
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const RETIRER = `arn:aws:iam::${ACCOUNT}:role/retirer`;
/** Grants on the one key ListGrants reads: more than a page (50). */
const GRANTS_ON_FIRST_KEY = 60;

const pad = (n: number) => String(n).padStart(12, '0');
const keyId = (i: number) => `00000000-0000-4000-8000-${pad(i)}`;
const arnOf = (i: number) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId(i)}`;

function keyRecord(i: number): KeyRecord {
  return {
    arn: arnOf(i),
    keyId: keyId(i),
    accountId: ACCOUNT,
    region: REGION,
    creationDate: 1_700_000_000_000 + i,
    description: `bench key ${i}`,
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyState: 'Enabled',
    multiRegion: false,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    }),
    tags: [],
    rotation: { enabled: false },
    // Listing never opens material; a placeholder keeps the records realistic in size.
    versions: [{ versionId: keyId(i), createdAt: 0, wrappedMaterial: Buffer.alloc(60).toString('base64') }],
  };
}

/** N keys, one alias each, one grant each (all retirable by one principal), 60 more on key 0. */
function populate(store: ResourceStore, n: number): void {
  const aws = new AwsResources(store);
  store.transaction(() => {
    for (let i = 0; i < n; i++) {
      aws.putKey(keyRecord(i));
      aws.putAlias({
        aliasName: `alias/bench-${pad(i)}`,
        aliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/bench-${pad(i)}`,
        accountId: ACCOUNT,
        region: REGION,
        targetKeyId: keyId(i),
        creationDate: 0,
        lastUpdatedDate: 0,
      });
    }
    for (let g = 0; g < n + GRANTS_ON_FIRST_KEY; g++) {
      const k = g < GRANTS_ON_FIRST_KEY ? 0 : g - GRANTS_ON_FIRST_KEY;
      aws.putGrant({
        grantId: pad(g).padStart(64, '0'),
        grantToken: 'gt1.bench',
        keyArn: arnOf(k),
        keyId: keyId(k),
        creationDate: 0,
        granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/user`,
        retiringPrincipal: RETIRER,
        issuingAccount: ACCOUNT,
        operations: ['Decrypt'],
      });
    }
  });
}

const OPERATIONS: [string, Record<string, unknown>][] = [
  ['ListKeys', {}],
  ['ListAliases', {}],
  ['ListGrants', { KeyId: keyId(0) }],
  ['ListRetirableGrants', { RetiringPrincipal: RETIRER }],
];

async function firstPageTimes(engine: KmsEngine, operation: string, input: Record<string, unknown>) {
  const ctx = engine.context(REGION);
  await engine.execute(operation, input, ctx); // warm-up
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    const out = await engine.execute(operation, input, ctx);
    times.push(performance.now() - start);
    if (out.Truncated !== true) throw new Error(`${operation}: expected a full first page`);
  }
  times.sort((a, b) => a - b);
  return { min: times[0]!, median: times[Math.floor(times.length / 2)]!, max: times.at(-1)! };
}

export async function listBench(): Promise<string> {
  const rows: (string | number)[][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'envelope-list-bench-'));
  try {
    for (const storeName of ['memory', 'sqlite'] as const) {
      const medians = new Map<string, number[]>();
      for (const n of SIZES) {
        const store =
          storeName === 'memory'
            ? new MemoryResourceStore()
            : new SqliteResourceStore(join(dir, `list-${n}.sqlite`), { synchronous: 'NORMAL' });
        populate(store, n);
        const engine = new KmsEngine({ store, rootKey: Buffer.alloc(32, 7) });
        try {
          for (const [operation, input] of OPERATIONS) {
            const t = await firstPageTimes(engine, operation, input);
            const m = medians.get(operation) ?? [];
            medians.set(operation, [...m, t.median]);
            rows.push([
              storeName,
              operation,
              n.toLocaleString('en-US'),
              t.min.toFixed(3),
              t.median.toFixed(3),
              t.max.toFixed(3),
              n === SIZES.at(-1) ? `${(t.median / medians.get(operation)![0]!).toFixed(2)}×` : '',
            ]);
          }
        } finally {
          engine.close();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return table(
    ['store', 'operation', 'keys', 'min ms', 'median ms', 'max ms', 'median 100k / 1k'],
    rows.sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
  );
}
