import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/** A certificate and its private key, PEM-encoded. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 86_400_000;

/** RSA key pairs come from node:crypto (OpenSSL); forge's pure-JS generation takes seconds. */
function rsaKeyPair(): {
  publicKey: forge.pki.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  keyPem: string;
} {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function serialNumber(): string {
  // Positive 16-byte serial (RFC 5280 section 4.1.2.2): clear the top bit.
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

/** A self-signed CA for the emulator's HTTPS listeners, valid ten years. */
export function createCertificateAuthority(now = new Date()): PemPair {
  const { publicKey, privateKey, keyPem } = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - DAY_MS);
  cert.validity.notAfter = new Date(now.getTime() + 3650 * DAY_MS);
  const subject = [
    { name: 'commonName', value: 'Envelope KMS emulator local CA' },
    { name: 'organizationName', value: 'Envelope emulator (not trusted outside tests)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/**
 * A server certificate signed by the CA, valid one year, naming each host in `hosts` as a SAN
 * (DNS names, wildcards such as `*.vault.localhost`, or IP addresses).
 */
export function issueServerCertificate(ca: PemPair, hosts: readonly string[], now = new Date()): PemPair {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const { publicKey, keyPem } = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - DAY_MS);
  cert.validity.notAfter = new Date(now.getTime() + 365 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: hosts.find((h) => !isIP(h)) ?? 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host })),
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Whether a server certificate names every host and stays valid at least a day past `now`. */
export function certificateCovers(certPem: string, hosts: readonly string[], now = new Date()): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (Date.parse(cert.validTo) - now.getTime() < DAY_MS) return false;
    const names = new Set(
      (cert.subjectAltName ?? '').split(', ').map((entry) => entry.replace(/^(DNS|IP Address):/, '')),
    );
    return hosts.every((host) => names.has(host));
  } catch {
    return false;
  }
}
