import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32c } from '@envelope/gcp-kms';

/**
 * A minimal Cloud KMS REST face (proto3 JSON: bytes base64, int64 as strings) on 127.0.0.1, enough
 * to run the official client's REST fallback end to end: `:encrypt` and `:decrypt` on CryptoKeys
 * whose id does not start with `missing` or `denied` (those answer 404 / 403 with Google's error body).
 */
export async function startRestCloudKms(): Promise<{
  endpoint: string;
  requests: string[];
  close(): Promise<void>;
}> {
  const sealed = new Map<string, { key: string; plaintext: string; aad: string }>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const m = /^\/v1\/(projects\/[^?]+):(encrypt|decrypt)(\?.*)?$/.exec(req.url ?? '');
      if (!m) return reply(404, { error: { code: 404, message: 'no such method', status: 'NOT_FOUND' } });
      const [, key, method] = m as unknown as [string, string, string];
      if (/\/cryptoKeys\/missing/.test(key)) {
        return reply(404, {
          error: { code: 404, message: `CryptoKey ${key} not found.`, status: 'NOT_FOUND' },
        });
      }
      if (/\/cryptoKeys\/denied/.test(key)) {
        return reply(403, {
          error: { code: 403, message: 'Permission denied.', status: 'PERMISSION_DENIED' },
        });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string | undefined>;
      const aad = body.additionalAuthenticatedData ?? '';
      if (method === 'encrypt') {
        const plaintext = body.plaintext ?? '';
        const ok = (b64: string, crc: string | undefined) =>
          crc !== undefined && String(crc32c(Buffer.from(b64, 'base64'))) === crc;
        const ciphertext = randomBytes(40);
        sealed.set(ciphertext.toString('base64'), { key, plaintext, aad });
        return reply(200, {
          name: `${key}/cryptoKeyVersions/1`,
          ciphertext: ciphertext.toString('base64'),
          ciphertextCrc32c: String(crc32c(ciphertext)),
          verifiedPlaintextCrc32c: ok(plaintext, body.plaintextCrc32c),
          verifiedAdditionalAuthenticatedDataCrc32c: ok(aad, body.additionalAuthenticatedDataCrc32c),
          protectionLevel: 1,
        });
      }
      const entry = sealed.get(body.ciphertext ?? '');
      if (!entry || entry.key !== key || entry.aad !== aad) {
        return reply(400, {
          error: {
            code: 400,
            message: "Decryption failed: verify that 'name' refers to the correct CryptoKey.",
            status: 'INVALID_ARGUMENT',
          },
        });
      }
      return reply(200, {
        plaintext: entry.plaintext,
        plaintextCrc32c: String(crc32c(Buffer.from(entry.plaintext, 'base64'))),
        usedPrimary: true,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
