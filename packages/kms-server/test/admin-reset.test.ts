import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  ListKeysCommand,
} from '@aws-sdk/client-kms';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { admin, azureOn, gcpRest } from './admin-helpers.js';
import { ACCOUNT, Fixture } from './helpers.js';

const SEED_KEY = '0b1e5c2a-9d3f-4c1e-8a7b-2f6d4e5a1c3b';
const SEED = { keys: [{ id: SEED_KEY, aliases: ['alias/app'] }] };
const LOCATION = 'projects/p/locations/europe-west1';

async function keyIds(fx: Fixture, server: KmsServer): Promise<string[]> {
  const { Keys } = await fx.client(server.url).send(new ListKeysCommand({}));
  return (Keys ?? []).map((k) => k.KeyId!).sort();
}

describe('admin API: POST /_envelope/reset', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  async function dirty(server: KmsServer): Promise<void> {
    const kms = fx.client(server.url);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/extra', TargetKeyId: KeyMetadata!.KeyId! }));
    await kms.send(
      new CreateGrantCommand({
        KeyId: KeyMetadata!.KeyId!,
        GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/bob`,
        Operations: ['Decrypt'],
      }),
    );
    expect((await gcpRest(server).createKeyRing(LOCATION, 'ring')).status).to.equal(200);
    await azureOn(server, 'resetvault').createKey('k');
    expect(
      (await admin(server.url, 'POST', '/_envelope/faults', { body: { throttle: { operation: 'Sign' } } }))
        .status,
    ).to.equal(200);
  }

  it('puts every cloud back to the seeded start state: keys, aliases, grants, key rings, audit, faults', async () => {
    const server = await fx.server({
      seed: SEED,
      gcp: { restPort: 0 },
      faults: [{ latency: { ms: 1, operation: 'GetPublicKey' } }],
    });
    const startAudit = (await admin(server.url, 'GET', '/_envelope/audit')).json;
    await dirty(server);
    expect(await keyIds(fx, server)).to.have.length(2);

    const reset = await admin(server.url, 'POST', '/_envelope/reset', { body: {} });
    expect(reset).to.include({ status: 200 });
    expect(reset.json).to.deep.equal({ status: 'ok', seeded: 1 });
    // The audit log holds the seed's calls again, as at start (new record ids, same calls).
    const audit = (await admin(server.url, 'GET', '/_envelope/audit')).json;
    const calls = (page: { events: { event: { eventName: string } }[] }) =>
      page.events.map((e) => e.event.eventName);
    expect(calls(audit)).to.deep.equal(calls(startAudit));
    expect(calls(audit)).to.include('CreateKey');

    expect(await keyIds(fx, server)).to.deep.equal([SEED_KEY]);
    const aliases = await server.engine.execute('ListAliases', {}, server.engine.context('us-east-1'));
    expect((aliases as { Aliases: { AliasName: string }[] }).Aliases.map((a) => a.AliasName)).to.deep.equal([
      'alias/app',
    ]);
    const grants = server.engine.core.store.list('aws.grant', { limit: 10 });
    expect(grants.records).to.deep.equal([]);
    expect((await gcpRest(server).getKeyRing(`${LOCATION}/keyRings/ring`)).status).to.equal(404);
    expect(server.engine.core.store.list('azure.key', { limit: 10 }).records).to.deep.equal([]);
    // The start fault is back, the injected one gone.
    const faults = (await admin(server.url, 'GET', '/_envelope/faults')).json.faults;
    expect(faults).to.deep.equal([
      { id: faults[0].id, kind: 'latency', service: 'aws', operation: 'GetPublicKey', ms: 1, calls: 0 },
    ]);
  });

  it('empties the durable store too, and the reset state is what a restart finds', async () => {
    const dataDir = fx.dir();
    const server = await fx.server({ dataDir, seed: SEED, gcp: { restPort: 0 } });
    await dirty(server);
    expect(
      (await admin(server.url, 'POST', '/_envelope/reset', { contentType: 'application/json' })).status,
    ).to.equal(200);
    await server.close();
    const reopened = await fx.server({ dataDir });
    expect(await keyIds(fx, reopened)).to.deep.equal([SEED_KEY]);
    const events = (await admin(reopened.url, 'GET', '/_envelope/audit?operation=CreateAlias')).json.events;
    expect(
      events.map(
        (e: { event: { requestParameters: { aliasName: string } } }) => e.event.requestParameters.aliasName,
      ),
    ).to.deep.equal(['alias/app']);
  });

  it('with no seed, leaves nothing at all', async () => {
    const server = await fx.server();
    await fx.client(server.url).send(new CreateKeyCommand({}));
    expect(
      (await admin(server.url, 'POST', '/_envelope/reset', { body: '', contentType: 'application/json' }))
        .json,
    ).to.deep.equal({ status: 'ok', seeded: 0 });
    expect((await admin(server.url, 'GET', '/_envelope/audit')).json).to.deep.equal({ events: [] });
    expect(await keyIds(fx, server)).to.deep.equal([]);
  });

  it('refuses bad requests with a 4xx JSON error saying what to send, and changes nothing', async () => {
    const server = await fx.server();
    await fx.client(server.url).send(new CreateKeyCommand({}));
    const cases = [
      [await admin(server.url, 'GET', '/_envelope/reset'), 405, /Use POST \/_envelope\/reset/],
      [
        await admin(server.url, 'POST', '/_envelope/reset', { body: '{}', contentType: 'text/plain' }),
        415,
        /Content-Type: application\/json/,
      ],
      [await admin(server.url, 'POST', '/_envelope/reset', { body: '{nope' }), 400, /not valid JSON/],
      [
        await admin(server.url, 'POST', '/_envelope/reset', { body: { keep: true } }),
        400,
        /takes no options/,
      ],
    ] as const;
    for (const [answer, status, message] of cases) {
      expect(answer.status, answer.text).to.equal(status);
      expect(answer.json.error).to.match(message);
      expect(answer.json.code).to.equal('ENVELOPE_ADMIN_REQUEST_INVALID');
    }
    expect(await keyIds(fx, server)).to.have.length(1);
  });

  it('refuses a cross-site Origin', async () => {
    const server = await fx.server();
    const res = await fetch(`${server.url}/_envelope/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://attacker.example' },
      body: '{}',
    });
    expect(res.status).to.equal(403);
  });

  it('is refused with 404 and a clear message when the admin API is off; nothing is reset', async () => {
    const server = await fx.server({ admin: false });
    await fx.client(server.url).send(new CreateKeyCommand({}));
    for (const [method, path] of [
      ['POST', '/_envelope/reset'],
      ['GET', '/_envelope/audit'],
      ['GET', '/_envelope/faults'],
      ['DELETE', '/_envelope/faults/1'],
      ['GET', '/metrics'],
    ] as const) {
      const answer = await admin(server.url, method, path, method === 'POST' ? { body: {} } : {});
      expect(answer.status, path).to.equal(404);
      expect(answer.json.error).to.equal(
        `The admin API is off on this server (started with admin: false / --no-admin); restart it without that option to use ${path}.`,
      );
    }
    expect(await keyIds(fx, server)).to.have.length(1);
  });
});
