/** One route of the keys API: the operation and the path parameters it carries. */
export interface AzureRoute {
  operation: string;
  name?: string;
  version?: string;
}

const CRYPTO_SEGMENTS: Readonly<Record<string, string>> = {
  encrypt: 'encrypt',
  decrypt: 'decrypt',
  wrapkey: 'wrapKey',
  unwrapkey: 'unwrapKey',
  sign: 'sign',
  verify: 'verify',
};

/** Operations of the keys API the emulator leaves out (answered 501 NotImplemented). */
const LEFT_OUT = new Set(['backup', 'restore', 'release', 'attestation', 'import', 'rng']);

/**
 * Maps a method and path of the Key Vault keys REST API (`/keys/{name}/{version}/wrapkey` …) to an
 * operation. An empty version segment (`/keys/k/` or `/keys/k//sign`) means the current version,
 * as the SDK sends it. Returns a string naming a left-out operation, or undefined for no route.
 */
export function routeAzureRequest(
  method: string,
  pathname: string,
): AzureRoute | { leftOut: string } | undefined {
  const segments = pathname.replace(/^\//, '').split('/').map(decodeURIComponent);
  const [collection, name, a, b] = segments;
  const n = segments.length;
  if (collection === 'rng') return { leftOut: 'rng' };
  if (collection === 'keys') {
    if (n === 1) return method === 'GET' ? { operation: 'getKeys' } : undefined;
    if (name === 'restore') return { leftOut: 'restore' };
    if (n === 2) {
      if (method === 'GET') return { operation: 'getKey', name: name! };
      if (method === 'PATCH') return { operation: 'updateKey', name: name! };
      if (method === 'DELETE') return { operation: 'deleteKey', name: name! };
      if (method === 'PUT') return { leftOut: 'import' };
      return undefined;
    }
    if (n === 3) {
      if (method === 'POST' && a === 'create') return { operation: 'createKey', name: name! };
      if (method === 'POST' && a === 'rotate') return { operation: 'rotateKey', name: name! };
      if (a === 'rotationpolicy' && method === 'GET')
        return { operation: 'getKeyRotationPolicy', name: name! };
      if (a === 'rotationpolicy' && method === 'PUT')
        return { operation: 'updateKeyRotationPolicy', name: name! };
      if (a === 'versions' && method === 'GET') return { operation: 'getKeyVersions', name: name! };
      if (method === 'POST' && a! in CRYPTO_SEGMENTS) return { operation: CRYPTO_SEGMENTS[a!]!, name: name! };
      if (LEFT_OUT.has(a!)) return { leftOut: a! };
      if (method === 'GET') return { operation: 'getKey', name: name!, version: a! };
      if (method === 'PATCH') return { operation: 'updateKey', name: name!, version: a! };
      return undefined;
    }
    if (n === 4) {
      if (method === 'POST' && b! in CRYPTO_SEGMENTS)
        return { operation: CRYPTO_SEGMENTS[b!]!, name: name!, version: a! };
      if (LEFT_OUT.has(b!)) return { leftOut: b! };
    }
    return undefined;
  }
  if (collection === 'deletedkeys') {
    if (n === 1) return method === 'GET' ? { operation: 'getDeletedKeys' } : undefined;
    if (n === 2 && method === 'GET') return { operation: 'getDeletedKey', name: name! };
    if (n === 2 && method === 'DELETE') return { operation: 'purgeDeletedKey', name: name! };
    if (n === 3 && method === 'POST' && a === 'recover')
      return { operation: 'recoverDeletedKey', name: name! };
  }
  return undefined;
}
