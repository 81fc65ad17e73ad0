import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certificateCovers,
  createCertificateAuthority,
  issueServerCertificate,
  type PemPair,
} from './certificates.js';

export interface TlsMaterialOptions {
  /**
   * Directory that keeps the CA and the server certificate across restarts (created 0700; keys
   * written 0600). Without it, both are generated per process and only the CA certificate (public)
   * is written, to a fresh temporary directory, so it can still be passed as NODE_EXTRA_CA_CERTS.
   */
  dir?: string;
  /** Host names and IP addresses the server certificate must name. */
  hosts: readonly string[];
}

export interface TlsMaterial {
  /** PEM of the CA certificate clients trust. */
  caCertPem: string;
  /** Path of the CA certificate file: pass it as NODE_EXTRA_CA_CERTS (or a client's `ca`). */
  caPath: string;
  certPem: string;
  keyPem: string;
}

function writeAtomic(path: string, content: string, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, path);
}

function readPair(dir: string, cert: string, key: string): PemPair | undefined {
  const certPath = join(dir, cert);
  const keyPath = join(dir, key);
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
}

/**
 * The CA and server certificate of the emulator's HTTPS listeners: loaded from `dir` when they are
 * there (the server certificate is reissued from the same CA when it misses a host or nears expiry),
 * generated on first start otherwise. Clients keep trusting the same CA file across restarts.
 */
export function loadOrCreateTlsMaterial(options: TlsMaterialOptions): TlsMaterial {
  const hosts = [...new Set(options.hosts)];
  if (!options.dir) {
    const ca = createCertificateAuthority();
    const server = issueServerCertificate(ca, hosts);
    const caPath = join(mkdtempSync(join(tmpdir(), 'envelope-azure-ca-')), 'ca.pem');
    writeFileSync(caPath, ca.certPem, { mode: 0o644 });
    return { caCertPem: ca.certPem, caPath, certPem: server.certPem, keyPem: server.keyPem };
  }
  const dir = options.dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let ca = readPair(dir, 'ca.pem', 'ca-key.pem');
  let server = readPair(dir, 'server.pem', 'server-key.pem');
  if (!ca) {
    ca = createCertificateAuthority();
    writeAtomic(join(dir, 'ca-key.pem'), ca.keyPem, 0o600);
    writeAtomic(join(dir, 'ca.pem'), ca.certPem, 0o644);
    server = undefined;
  }
  if (!server || !certificateCovers(server.certPem, hosts)) {
    server = issueServerCertificate(ca, hosts);
    writeAtomic(join(dir, 'server-key.pem'), server.keyPem, 0o600);
    writeAtomic(join(dir, 'server.pem'), server.certPem, 0o644);
  }
  return {
    caCertPem: ca.certPem,
    caPath: join(dir, 'ca.pem'),
    certPem: server.certPem,
    keyPem: server.keyPem,
  };
}
