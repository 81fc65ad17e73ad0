import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import type { KmsServer, KmsServerOptions } from '@envelope/kms-server';
import { expect } from 'chai';
import { admin, azureOn, gcpRest } from './admin-helpers.js';
import { Fixture } from './helpers.js';

const LOCATION = 'projects/p/locations/us-east1';
const RING = `${LOCATION}/keyRings/audit`;
const GCP_KEY = `${RING}/cryptoKeys/data`;
const VAULT = 'auditvault';

// biome-ignore lint/suspicious/noExplicitAny: rendered log entries are read loosely
type Entry = { cloud: string; event: any };

/** Every page of a query, following `next`. */
async function allPages(server: KmsServer, query: string): Promise<{ pages: number; events: Entry[] }> {
  const events: Entry[] = [];
  let pages = 0;
  let next: string | undefined;
  do {
    const sep = query ? '&' : '';
    const answer = await admin(
      server.url,
      'GET',
      `/_envelope/audit?${query}${next ? `${sep}next=${encodeURIComponent(next)}` : ''}`,
    );
    expect(answer.status, answer.text).to.equal(200);
    events.push(...answer.json.events);
    next = answer.json.next;
    pages++;
  } while (next !== undefined);
  return { pages, events };
}

for (const store of ['memory', 'sqlite'] as const) {
  describe(`admin API: GET /_envelope/audit (${store} store)`, () => {
    const fx = new Fixture();
    let server: KmsServer;
    let awsKey: string;
    const secret = Buffer.from(`top secret ${randomBytes(8).toString('hex')}`);
    let awsCiphertext: Uint8Array;

    before(async () => {
      const options: KmsServerOptions = store === 'sqlite' ? { dataDir: fx.dir() } : {};
      server = await fx.server({ ...options, gcp: { restPort: 0 } });
      const kms = fx.client(server.url);
      awsKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      awsCiphertext = (await kms.send(new EncryptCommand({ KeyId: awsKey, Plaintext: secret })))
        .CiphertextBlob!;
      await kms.send(new DecryptCommand({ CiphertextBlob: awsCiphertext }));
      await fx.client(server.url, { region: 'eu-west-1' }).send(new ListKeysCommand({}));
      const gcp = gcpRest(server);
      await gcp.createKeyRing(LOCATION, 'audit');
      await gcp.createCryptoKey(RING, 'data');
      expect((await gcp.encrypt(GCP_KEY, secret)).status).to.equal(200);
      const azure = azureOn(server, VAULT);
      await azure.createKey('wrapper');
      await azure.wrapKey('wrapper', secret);
    });
    after(() => fx.dispose());

    it('returns every cloud’s calls in its own log format, oldest first', async () => {
      const { events } = await allPages(server, '');
      expect(events.map((e) => e.cloud)).to.deep.equal([
        'aws',
        'aws',
        'aws',
        'aws',
        'gcp',
        'gcp',
        'gcp',
        'azure',
        'azure',
      ]);
      const [create] = events;
      expect(create!.event).to.include({ eventSource: 'kms.amazonaws.com', eventName: 'CreateKey' });
      const gcpEncrypt = events[6]!.event;
      expect(gcpEncrypt.protoPayload).to.include({
        serviceName: 'cloudkms.googleapis.com',
        methodName: 'google.cloud.kms.v1.KeyManagementService.Encrypt',
        resourceName: GCP_KEY,
      });
      expect(events[8]!.event).to.include({ category: 'AuditEvent', operationName: 'KeyWrap' });
    });

    it('filters by cloud, operation, key, location and time', async () => {
      const names = async (query: string) =>
        (await allPages(server, query)).events.map(
          (e) =>
            `${e.cloud}:${e.event.eventName ?? e.event.operationName ?? e.event.protoPayload.methodName.split('.').at(-1)}`,
        );
      expect(await names('cloud=aws&operation=Decrypt')).to.deep.equal(['aws:Decrypt']);
      expect(await names(`key=${awsKey}`)).to.deep.equal(['aws:CreateKey', 'aws:Encrypt', 'aws:Decrypt']);
      expect(await names(`key=${encodeURIComponent(GCP_KEY)}`)).to.deep.equal([
        'gcp:CreateCryptoKey',
        'gcp:Encrypt',
      ]);
      expect(await names('region=eu-west-1')).to.deep.equal(['aws:ListKeys']);
      expect(await names(`location=${VAULT}`)).to.deep.equal(['azure:KeyCreate', 'azure:KeyWrap']);
      expect(await names('cloud=azure&operation=wrapKey')).to.deep.equal(['azure:KeyWrap']);
      const all = (await allPages(server, '')).events;
      const gcpTime = all[4]!.event.timestamp as string;
      const since = (await allPages(server, `since=${gcpTime}&cloud=aws`)).events;
      expect(since).to.deep.equal([]);
      const until = (await allPages(server, `until=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).events;
      expect(until).to.deep.equal([]);
      expect(
        (await allPages(server, `since=${encodeURIComponent(all[0]!.event.eventTime)}`)).events,
      ).to.have.length(9);
    });

    it('pages with an opaque cursor: pages of 2 are the whole log, in order, each record once', async () => {
      const whole = (await allPages(server, '')).events;
      const paged = await allPages(server, 'limit=2');
      expect(paged.pages).to.equal(5);
      expect(paged.events).to.deep.equal(whole);
      const first = await admin(server.url, 'GET', '/_envelope/audit?limit=3&cloud=aws');
      expect(first.json.events.map((e: Entry) => e.event.eventName)).to.deep.equal([
        'CreateKey',
        'Encrypt',
        'Decrypt',
      ]);
      // The filter holds across pages: the second page is the fourth AWS record, not the GCP ones after it.
      const rest = await admin(
        server.url,
        'GET',
        `/_envelope/audit?limit=3&cloud=aws&next=${first.json.next}`,
      );
      expect(rest.json.events.map((e: Entry) => e.event.eventName)).to.deep.equal(['ListKeys']);
      expect(rest.json.next).to.equal(undefined);
      const exact = await admin(server.url, 'GET', '/_envelope/audit?limit=9');
      expect(exact.json.next).to.equal(undefined);
    });

    it('never holds plaintext, ciphertext or key material of any cloud', async () => {
      const answer = await admin(server.url, 'GET', '/_envelope/audit?limit=1000');
      expect(answer.status).to.equal(200);
      expect(answer.json.events).to.have.length(9);
      const text = answer.text;
      for (const form of ['utf8', 'base64', 'base64url', 'hex'] as const) {
        expect(text).not.to.contain(secret.toString(form));
      }
      expect(text).not.to.contain(Buffer.from(awsCiphertext).toString('base64'));
    });

    it('refuses bad queries with 400 and a message saying what to send', async () => {
      const cases: [string, RegExp][] = [
        [
          'since=yesterday',
          /since must be an ISO 8601 time such as 2026-01-31T12:00:00Z \(got "yesterday"\)/,
        ],
        ['until=1', /until must be an ISO 8601 time/],
        ['since=2026-13-45T00:00:00Z', /since must be an ISO 8601 time/],
        ['limit=0', /limit must be an integer from 1 to 1000 \(got "0"\)/],
        ['limit=1001', /limit must be an integer from 1 to 1000/],
        ['limit=ten', /limit must be an integer/],
        ['cloud=ibm', /cloud must be one of aws, gcp, azure \(got ibm\)/],
        ['next=not-a-cursor', /next is not a cursor this server gave out/],
        [`next=${Buffer.from('audit.v1.x').toString('base64url')}`, /next is not a cursor/],
        [
          'keyId=abc',
          /Unknown query parameter keyId; use since, until, key, operation, cloud, location, region, limit, next/,
        ],
        ['operation=Encrypt&operation=Decrypt', /Give operation once/],
        ['key=', /key is empty/],
        ['region=us-east-1&location=us-east-1', /location or region/],
      ];
      for (const [query, message] of cases) {
        const answer = await admin(server.url, 'GET', `/_envelope/audit?${query}`);
        expect(answer.status, query).to.equal(400);
        expect(answer.json.error, query).to.match(message);
      }
      expect((await admin(server.url, 'POST', '/_envelope/audit', { body: {} })).status).to.equal(405);
    });
  });
}
