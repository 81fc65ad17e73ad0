import { DescribeKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { admin, azureOn, gcpRest, parseExposition, sample } from './admin-helpers.js';
import { Fixture, rejection } from './helpers.js';

const LOCATION = 'projects/p/locations/us-east1';
const VAULT = 'metricsvault';

describe('admin API: GET /metrics (Prometheus text)', () => {
  const fx = new Fixture();
  let server: KmsServer;
  before(async () => {
    server = await fx.server({ gcp: { restPort: 0 } });
  });
  after(() => fx.dispose());

  const scrape = async () => {
    const answer = await admin(server.url, 'GET', '/metrics');
    expect(answer.status).to.equal(200);
    expect(answer.contentType).to.match(/^text\/plain; version=0\.0\.4/);
    return parseExposition(answer.text);
  };

  it('counts calls of every cloud by operation, location, code and HTTP status, with a latency histogram', async () => {
    const earlier = await scrape();
    const kms = fx.client(server.url);
    await kms.send(new ListKeysCommand({}));
    await kms.send(new ListKeysCommand({}));
    await rejection(() => kms.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })));
    await fx.client(server.url, { region: 'eu-west-1' }).send(new ListKeysCommand({}));
    const gcp = gcpRest(server);
    expect((await gcp.createKeyRing(LOCATION, 'r')).status).to.equal(200);
    expect((await gcp.createKeyRing(LOCATION, 'r')).status).to.equal(409);
    await azureOn(server, VAULT).createKey('k');
    await admin(server.url, 'POST', '/_envelope/faults', {
      body: { down: { service: 'aws', location: 'ap-south-1' } },
    });
    await rejection(() => fx.client(server.url, { region: 'ap-south-1' }).send(new ListKeysCommand({})));
    const downLocation = 'projects/p/locations/asia-south1';
    await admin(server.url, 'POST', '/_envelope/faults', {
      body: { down: { service: 'gcp', location: downLocation } },
    });
    await rejection(() => gcp.createKeyRing(downLocation, 'r'));
    const later = await scrape();

    const delta = (name: string, labels: Record<string, string>) =>
      sample(later, name, labels) - sample(earlier, name, labels);
    const calls = 'envelope_kms_requests_total';
    const aws = { cloud: 'aws', operation: 'ListKeys', location: 'us-east-1' };
    expect(delta(calls, { ...aws, code: 'OK', http_status: '200' })).to.equal(2);
    expect(delta(calls, { ...aws, location: 'eu-west-1', code: 'OK', http_status: '200' })).to.equal(1);
    expect(
      delta(calls, { ...aws, operation: 'DescribeKey', code: 'NotFoundException', http_status: '400' }),
    ).to.equal(1);
    const gcpRing = { cloud: 'gcp', operation: 'CreateKeyRing', location: LOCATION };
    expect(delta(calls, { ...gcpRing, code: 'OK', http_status: '200' })).to.equal(1);
    expect(delta(calls, { ...gcpRing, code: 'ALREADY_EXISTS', http_status: '409' })).to.equal(1);
    expect(
      delta(calls, {
        cloud: 'azure',
        operation: 'createKey',
        location: VAULT,
        code: 'OK',
        http_status: '200',
      }),
    ).to.equal(1);
    expect(
      delta(calls, { ...gcpRing, location: downLocation, code: 'LocationUnavailable', http_status: 'none' }),
    ).to.equal(1);

    const seconds = 'envelope_kms_request_duration_seconds';
    expect(delta(`${seconds}_count`, aws)).to.equal(2);
    expect(delta(`${seconds}_count`, gcpRing)).to.equal(2);
    expect(delta(`${seconds}_bucket`, { ...gcpRing, le: '+Inf' })).to.equal(2);
    expect(sample(later, `${seconds}_sum`, gcpRing)).to.be.greaterThan(0);

    // The HTTP view: 3 SDK calls answered 200 on the AWS port (the region-down one got no answer),
    // one 400, the POSTs of the two faults and the first scrape (counted once it was answered).
    const http = 'envelope_http_requests_total';
    expect(delta(http, { endpoint: 'aws-json', status: '200' })).to.equal(3 + 2 + 1);
    expect(delta(http, { endpoint: 'aws-json', status: '400' })).to.equal(1);
    expect(delta(http, { endpoint: 'aws-json', status: 'none' })).to.equal(1);
    expect(delta(http, { endpoint: 'gcp-rest', status: '200' })).to.equal(1);
    expect(delta(http, { endpoint: 'gcp-rest', status: '409' })).to.equal(1);
    expect(delta(http, { endpoint: 'gcp-rest', status: 'none' })).to.equal(1);
    expect(delta('envelope_http_request_duration_seconds_count', { endpoint: 'gcp-rest' })).to.equal(3);
  });

  it('includes process and Node.js metrics', async () => {
    const samples = await scrape();
    expect(sample(samples, 'process_cpu_user_seconds_total', {})).to.be.greaterThan(0);
    expect(sample(samples, 'nodejs_heap_size_used_bytes', {})).to.be.greaterThan(0);
  });

  it('refuses anything but GET', async () => {
    const answer = await admin(server.url, 'POST', '/metrics', { body: {} });
    expect(answer.status).to.equal(405);
    expect(answer.json.error).to.equal('Use GET /metrics.');
  });
});
