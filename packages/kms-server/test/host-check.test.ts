import { expect } from 'chai';
import { HostAllowList } from '../src/http/host-check.js';

describe('Host allow-list (DNS-rebinding defence)', () => {
  it('answers the same for a Host value seen before, accepted or refused, and keeps refusing others', () => {
    const hosts = new HostAllowList('127.0.0.1', ['kms']);
    for (let round = 0; round < 3; round++) {
      expect(hosts.allowsHost('127.0.0.1:4599')).to.equal(true);
      expect(hosts.allowsHost('localhost:4599')).to.equal(true);
      expect(hosts.allowsHost('KMS:80')).to.equal(true);
      expect(hosts.allowsHost('[::1]:4599')).to.equal(true);
      expect(hosts.allowsHost('evil.example')).to.equal(false);
      expect(hosts.allowsHost('evil.example:4599')).to.equal(false);
      expect(hosts.allowsHost('kms.evil.example')).to.equal(false);
      expect(hosts.allowsHost('127.0.0.1:4599 ')).to.equal(true);
      expect(hosts.allowsHost('')).to.equal(false);
      expect(hosts.allowsHost(undefined)).to.equal(false);
    }
    // Many distinct accepted values: the memo is bounded, the answers do not change.
    for (let port = 1; port < 200; port++) expect(hosts.allowsHost(`127.0.0.1:${port}`)).to.equal(true);
    expect(hosts.allowsHost('evil.example')).to.equal(false);
  });
});
