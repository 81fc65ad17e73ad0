import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  type AuditEvent,
  awsLegacySchemaUpgrade,
  KmsEngine,
  MaterialVault,
  openSqlite,
  SqliteResourceStore,
} from '../src/index.js';

/** The DDL the AWS-only SqliteStore wrote before the HSM core (tables keys, aliases, grants, audit). */
const OLD_SCHEMA = `
CREATE TABLE keys (arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL,
  creation_date INTEGER NOT NULL, record TEXT NOT NULL);
CREATE INDEX keys_by_scope ON keys (account_id, region, creation_date);
CREATE TABLE aliases (account_id TEXT NOT NULL, region TEXT NOT NULL, alias_name TEXT NOT NULL,
  record TEXT NOT NULL, PRIMARY KEY (account_id, region, alias_name));
CREATE TABLE grants (grant_id TEXT PRIMARY KEY, key_arn TEXT NOT NULL, creation_date INTEGER NOT NULL,
  record TEXT NOT NULL);
CREATE INDEX grants_by_key ON grants (key_arn, creation_date);
CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_time INTEGER NOT NULL,
  key_id TEXT, event TEXT NOT NULL);
CREATE INDEX audit_by_time ON audit (event_time);
`;

const ACCOUNT = '111122223333';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
const VERSION = '00000000-0000-4000-8000-000000000001';
const RETIRER = `arn:aws:iam::${ACCOUNT}:role/retirer`;

/** A data dir as the previous schema left it: one key with material, an alias, a grant, an event. */
function writeOldDatabase(path: string, rootKey: Buffer, corrupt = false): void {
  const db = openSqlite(path);
  db.exec(OLD_SCHEMA);
  const wrapped = new MaterialVault(rootKey).wrap(ARN, VERSION, randomBytes(32));
  const key = {
    arn: ARN,
    keyId: KEY_ID,
    accountId: ACCOUNT,
    region: 'us-east-1',
    creationDate: 1_700_000_000_000,
    description: 'from the old schema',
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
    versions: [{ versionId: VERSION, createdAt: 1_700_000_000_000, wrappedMaterial: wrapped }],
  };
  db.prepare('INSERT INTO keys VALUES (?, ?, ?, ?, ?)').run(
    ARN,
    ACCOUNT,
    'us-east-1',
    key.creationDate,
    JSON.stringify(key),
  );
  const alias = {
    aliasName: 'alias/old',
    aliasArn: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/old`,
    accountId: ACCOUNT,
    region: 'us-east-1',
    targetKeyId: KEY_ID,
    creationDate: 1,
    lastUpdatedDate: 1,
  };
  db.prepare('INSERT INTO aliases VALUES (?, ?, ?, ?)').run(
    ACCOUNT,
    'us-east-1',
    'alias/old',
    JSON.stringify(alias),
  );
  const grant = {
    grantId: 'a'.repeat(64),
    grantToken: 'gt1.x.y',
    keyArn: ARN,
    keyId: KEY_ID,
    creationDate: 2,
    granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/user`,
    retiringPrincipal: RETIRER,
    issuingAccount: ACCOUNT,
    operations: ['Decrypt'],
  };
  db.prepare('INSERT INTO grants VALUES (?, ?, ?, ?)').run(
    grant.grantId,
    ARN,
    2,
    corrupt ? '{not json' : JSON.stringify(grant),
  );
  const event: AuditEvent = {
    eventVersion: '1.08',
    eventTime: new Date(1_700_000_000_000).toISOString(),
    eventSource: 'kms.amazonaws.com',
    eventName: 'CreateKey',
    awsRegion: 'us-east-1',
    requestID: 'old-request',
    eventID: 'old-event',
    userIdentity: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
    requestParameters: { description: 'from the old schema' },
    responseElements: null,
    resources: [{ ARN, accountId: ACCOUNT, type: 'AWS::KMS::Key' }],
    keyId: KEY_ID,
  };
  db.prepare('INSERT INTO audit (event_time, key_id, event) VALUES (?, ?, ?)').run(
    Date.parse(event.eventTime),
    KEY_ID,
    JSON.stringify(event),
  );
  db.close();
}

const tables = (path: string): string[] => {
  const db = openSqlite(path, { readonly: true });
  try {
    return db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
  } finally {
    db.close();
  }
};

describe('data dirs written by the previous schema', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kms-legacy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are migrated on open: keys decrypt, aliases, grants and audit events carry over, old tables go', async () => {
    const path = join(dir, 'kms.sqlite');
    const rootKey = randomBytes(32);
    writeOldDatabase(path, rootKey);
    const engine = new KmsEngine({
      store: new SqliteResourceStore(path, { upgrades: [awsLegacySchemaUpgrade] }),
      rootKey,
    });
    try {
      const ctx = engine.context('us-east-1');
      const enc = await engine.execute('Encrypt', { KeyId: 'alias/old', Plaintext: Buffer.from('hi') }, ctx);
      expect(enc.KeyId).to.equal(ARN);
      const dec = await engine.execute('Decrypt', { CiphertextBlob: enc.CiphertextBlob }, ctx);
      expect(Buffer.from(dec.Plaintext as Uint8Array).toString()).to.equal('hi');
      const listed = await engine.execute('ListAliases', { KeyId: KEY_ID }, ctx);
      expect((listed.Aliases as { AliasName: string }[]).map((a) => a.AliasName)).to.deep.equal([
        'alias/old',
      ]);
      const retirable = await engine.execute('ListRetirableGrants', { RetiringPrincipal: RETIRER }, ctx);
      expect((retirable.Grants as { GrantId: string }[]).map((g) => g.GrantId)).to.deep.equal([
        'a'.repeat(64),
      ]);
      const [old] = engine.auditLog({ keyId: KEY_ID });
      expect(old).to.include({
        eventID: 'old-event',
        requestID: 'old-request',
        eventName: 'CreateKey',
        keyId: KEY_ID,
      });
      expect(old!.userIdentity.accountId).to.equal(ACCOUNT);
    } finally {
      engine.close();
    }
    expect(tables(path)).to.not.include.members(['keys', 'aliases', 'grants', 'audit']);
    // Opening again finds nothing left to migrate and keeps the data.
    const again = new SqliteResourceStore(path, { upgrades: [awsLegacySchemaUpgrade] });
    expect(again.list('aws.key', { limit: 10 }).records).to.have.length(1);
    expect(again.queryAudit({ limit: 1 })[0]!.id).to.equal('old-event');
    again.close();
  });

  it('a migration that fails changes nothing: the old tables and rows stay for the next attempt', () => {
    const path = join(dir, 'kms.sqlite');
    writeOldDatabase(path, randomBytes(32), true);
    expect(() => new SqliteResourceStore(path, { upgrades: [awsLegacySchemaUpgrade] })).to.throw(SyntaxError);
    expect(tables(path)).to.include.members(['keys', 'aliases', 'grants', 'audit']);
    const store = new SqliteResourceStore(path);
    try {
      expect(store.list('aws.key', { limit: 10 }).records).to.deep.equal([]);
      expect(store.queryAudit({})).to.deep.equal([]);
    } finally {
      store.close();
    }
  });
});
