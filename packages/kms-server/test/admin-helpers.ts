import { AzureKeyVaultService } from '@envelope/kms-emulator';
import type { KmsServer } from '@envelope/kms-server';

export interface AdminAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely
  readonly json: any;
}

/** One admin call over HTTP. A body is sent as JSON unless `contentType` says otherwise. */
export async function admin(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string } = {},
): Promise<AdminAnswer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined || options.contentType !== undefined)
    headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined
      ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json };
}

/** Cloud KMS REST calls against the server's GCP REST port (no SDK: the path templates of the API). */
export function gcpRest(server: KmsServer) {
  const base = server.endpoints['gcp-rest']!.url;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/v1/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  return {
    createKeyRing: (location: string, id: string) => call('POST', `${location}/keyRings?keyRingId=${id}`, {}),
    getKeyRing: (name: string) => call('GET', name),
    createCryptoKey: (ring: string, id: string) =>
      call('POST', `${ring}/cryptoKeys?cryptoKeyId=${id}`, { purpose: 'ENCRYPT_DECRYPT' }),
    encrypt: (key: string, plaintext: Buffer) =>
      call('POST', `${key}:encrypt`, { plaintext: plaintext.toString('base64') }),
  };
}

/**
 * Key Vault calls on the server's own HSM core (the service its HTTPS face runs): this package has
 * no Azure SDK or token tooling; test/admin-api.test.ts at the root drives the HTTPS face itself.
 */
export function azureOn(server: KmsServer, vault: string) {
  const service = new AzureKeyVaultService(server.engine.core);
  const ctx = { vault };
  return {
    createKey: (name: string) => service.invoke('createKey', { name, body: { kty: 'RSA' } }, ctx),
    wrapKey: (name: string, value: Buffer) =>
      service.invoke(
        'wrapKey',
        { name, body: { alg: 'RSA-OAEP-256', value: value.toString('base64url') } },
        ctx,
      ),
  };
}

/** Prometheus text exposition → `name{sorted labels}` → value. */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels = [...(match[3] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, name, value]) => `${name}=${value}`)
      .sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[4]));
  }
  return samples;
}

/** A sample's value (0 when absent), labels given in any order. */
export function sample(samples: Map<string, number>, name: string, labels: Record<string, string>): number {
  const key = Object.entries(labels)
    .map(([label, value]) => `${label}=${value}`)
    .sort()
    .join(',');
  return samples.get(`${name}{${key}}`) ?? 0;
}
