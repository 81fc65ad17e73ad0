import { ListKeysCommand } from '@aws-sdk/client-kms';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { admin, azureOn, gcpRest } from './admin-helpers.js';
import { Fixture, rejection } from './helpers.js';

const LOCATION = 'projects/p/locations/us-east1';
const VAULT = 'faultvault';

describe('admin API: /_envelope/faults for every cloud', () => {
  const fx = new Fixture();
  let server: KmsServer;
  beforeEach(async () => {
    server = await fx.server({ gcp: { restPort: 0 } });
  });
  afterEach(() => fx.dispose());

  const inject = async (spec: unknown) => {
    const answer = await admin(server.url, 'POST', '/_envelope/faults', { body: spec });
    expect(answer.status, answer.text).to.equal(200);
    return answer.json.id as number;
  };
  const list = async () => (await admin(server.url, 'GET', '/_envelope/faults')).json.faults;

  it('injects GCP and Azure faults by location, lists them, and each cloud answers its own error', async () => {
    const gcpThrottle = await inject({
      throttle: { service: 'gcp', location: LOCATION, operation: 'CreateKeyRing' },
    });
    const azureFail = await inject({
      fail: { service: 'azure', location: VAULT, error: 'ServiceUnavailable', message: 'maintenance' },
    });
    const awsLatency = await inject({ latency: { region: 'eu-west-1', ms: 5 } });
    expect(await list()).to.deep.equal([
      {
        id: gcpThrottle,
        kind: 'throttle',
        service: 'gcp',
        location: LOCATION,
        operation: 'CreateKeyRing',
        probability: 1,
        calls: 0,
      },
      {
        id: azureFail,
        kind: 'fail',
        service: 'azure',
        location: VAULT,
        probability: 1,
        error: 'ServiceUnavailable',
        message: 'maintenance',
        calls: 0,
      },
      { id: awsLatency, kind: 'latency', service: 'aws', location: 'eu-west-1', ms: 5, calls: 0 },
    ]);

    const throttled = await gcpRest(server).createKeyRing(LOCATION, 'r');
    expect(throttled.status).to.equal(429);
    expect(throttled.json).to.have.nested.property('error.status', 'RESOURCE_EXHAUSTED');
    // Another location of the same cloud is untouched.
    expect((await gcpRest(server).createKeyRing('projects/p/locations/other', 'r')).status).to.equal(200);

    const failed = await rejection(() => azureOn(server, VAULT).createKey('k'));
    expect(failed).to.include({ code: 'ServiceUnavailable', status: 503, message: 'maintenance' });
    await azureOn(server, 'othervault').createKey('k');

    expect((await list()).map((f: { calls: number }) => f.calls)).to.deep.equal([1, 1, 0]);
  });

  it('takes a GCP location down and up again', async () => {
    await inject({ down: { service: 'gcp', location: LOCATION } });
    expect(await list()).to.deep.include({
      id: 1,
      kind: 'down',
      service: 'gcp',
      location: LOCATION,
      calls: 0,
    });
    const refused = await rejection(() => gcpRest(server).createKeyRing(LOCATION, 'r'));
    expect(refused).to.be.instanceOf(Error);
    expect(await inject({ up: { service: 'gcp', location: LOCATION } })).to.equal(undefined);
    expect((await gcpRest(server).createKeyRing(LOCATION, 'r')).status).to.equal(200);
    expect(await list()).to.deep.equal([]);
  });

  it('removes one fault by id, one cloud’s faults, or all of them', async () => {
    const aws = await inject({ throttle: { operation: 'ListKeys' } });
    const gcp = await inject({ throttle: { service: 'gcp' } });
    await inject({ throttle: { service: 'azure' } });
    await inject({ latency: { service: 'gcp', ms: 0 } });

    expect((await admin(server.url, 'DELETE', `/_envelope/faults/${aws}`)).json).to.deep.equal({
      status: 'ok',
      removed: 1,
    });
    await fx.client(server.url).send(new ListKeysCommand({}));
    const again = await admin(server.url, 'DELETE', `/_envelope/faults/${aws}`);
    expect(again.status).to.equal(404);
    expect(again.json.error).to.equal(`No fault ${aws} is in force; GET /_envelope/faults lists them.`);

    expect((await admin(server.url, 'DELETE', '/_envelope/faults?service=gcp')).json).to.deep.equal({
      status: 'ok',
      removed: 2,
    });
    expect((await list()).map((f: { service: string }) => f.service)).to.deep.equal(['azure']);
    expect((await list()).map((f: { id: number }) => f.id)).not.to.include(gcp);

    await inject({ throttle: {} });
    expect((await admin(server.url, 'DELETE', '/_envelope/faults')).json).to.deep.equal({
      status: 'ok',
      removed: 2,
    });
    expect(await list()).to.deep.equal([]);
  });

  it('clears every cloud’s faults with {"clear":true}', async () => {
    await inject({ throttle: { service: 'gcp' } });
    await inject({ throttle: {} });
    await inject({ clear: true });
    expect(await list()).to.deep.equal([]);
  });

  it('refuses invalid faults with 400 naming the problem and the accepted values; nothing is injected', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { fail: { service: 'gcp', error: 'KMSInternalException' } },
        /fail\.error: must be a Cloud KMS status: one of .*UNAVAILABLE/,
      ],
      [
        { fail: { service: 'azure', exception: 'INTERNAL' } },
        /fail\.exception: must be a Key Vault error code: one of .*ServiceUnavailable/,
      ],
      [{ fail: { service: 'aws' } }, /fail\.error: name the error to answer with/],
      [
        { throttle: { service: 'ibm' } },
        /throttle\.service: Invalid option: expected one of "aws"\|"gcp"\|"azure"/,
      ],
      [{ throttle: { region: 'a', location: 'b' } }, /throttle\.region: give location or region, not both/],
      [{ down: { service: 'gcp' } }, /down\.location/],
      [{ throttle: {}, latency: { ms: 1 } }, /Expected exactly one of .*got members throttle, latency/],
      [[], /Expected exactly one of/],
      [{ latency: { ms: -1 } }, /latency\.ms/],
    ];
    for (const [spec, message] of cases) {
      const answer = await admin(server.url, 'POST', '/_envelope/faults', { body: spec });
      expect(answer.status, JSON.stringify(spec)).to.equal(400);
      expect(answer.json.error, JSON.stringify(spec)).to.match(message);
      expect(answer.json.code).to.equal('ENVELOPE_ADMIN_REQUEST_INVALID');
    }
    const bad: [string, string, number, RegExp][] = [
      ['DELETE', '/_envelope/faults/abc', 400, /A fault id is a positive integer/],
      ['DELETE', '/_envelope/faults/0', 400, /A fault id is a positive integer/],
      ['DELETE', '/_envelope/faults?service=ibm', 400, /service must be one of aws, gcp, azure/],
      ['DELETE', '/_envelope/faults?all=1', 400, /Unknown query parameter all; use service\./],
      // The same query checks as the audit endpoint's: once, and not empty.
      ['DELETE', '/_envelope/faults?service=aws&service=gcp', 400, /Give service once \(got 2\)/],
      ['DELETE', '/_envelope/faults?service=', 400, /service is empty; leave it out/],
      ['GET', '/_envelope/faults/1', 405, /Use DELETE \/_envelope\/faults\/<id>/],
      ['PUT', '/_envelope/faults', 405, /Use GET, POST or DELETE/],
    ];
    for (const [method, path, status, message] of bad) {
      const answer = await admin(server.url, method, path);
      expect(answer.status, path).to.equal(status);
      expect(answer.json.error, path).to.match(message);
    }
    expect(await list()).to.deep.equal([]);
  });

  it('is served on the GCP REST port too (every listener mounts the admin API)', async () => {
    const gcpUrl = server.endpoints['gcp-rest']!.url;
    expect(
      (await admin(gcpUrl, 'POST', '/_envelope/faults', { body: { throttle: { service: 'gcp' } } })).status,
    ).to.equal(200);
    expect((await admin(gcpUrl, 'GET', '/_envelope/faults')).json.faults).to.have.length(1);
  });
});
