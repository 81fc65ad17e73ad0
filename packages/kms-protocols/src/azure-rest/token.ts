/**
 * The emulator's bearer token: an unsigned JWT (`alg: none`, empty signature part) whose claims say
 * who calls (`oid` and/or `appid`), for which resource (`aud`, the challenge's `resource`), and until
 * when (`exp`, unix seconds). The emulator checks `aud` and `exp` and records the principal in the
 * audit log; it proves nothing, so it is for the emulator only (docs/azure.md).
 */
export interface AzureEmulatorTokenClaims {
  /** The challenge resource, e.g. `https://vault.localhost`. */
  aud: string;
  /** Unix seconds after which the token is refused. */
  exp: number;
  /** Object id of the caller (recorded as the audit principal). */
  oid?: string;
  /** Application id of the caller (recorded when there is no `oid`). */
  appid?: string;
  /** Tenant id (informational). */
  tid?: string;
  iat?: number;
  nbf?: number;
}

export interface AzureEmulatorTokenOptions {
  /** The challenge resource (`aud`); a scope such as `https://vault.localhost/.default` is accepted too. */
  audience: string;
  /** Object id of the caller; default `00000000-0000-0000-0000-000000000000` when no appid is given. */
  oid?: string;
  appid?: string;
  tenantId?: string;
  /** Lifetime in seconds (default 3600). */
  expiresInSeconds?: number;
  /** Default: now. */
  now?: Date;
}

/** `https://vault.localhost/.default` (an SDK scope) → `https://vault.localhost` (the token audience). */
export const audienceFromScope = (scope: string): string => scope.replace(/\/\.default$/, '');

const encode = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Builds a token in the emulator's format, with its expiry in unix seconds. */
export function createAzureEmulatorToken(options: AzureEmulatorTokenOptions): {
  token: string;
  expiresOn: number;
} {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const exp = iat + (options.expiresInSeconds ?? 3600);
  const claims: AzureEmulatorTokenClaims = {
    aud: audienceFromScope(options.audience),
    iat,
    exp,
    ...(options.oid !== undefined || options.appid === undefined
      ? { oid: options.oid ?? '00000000-0000-0000-0000-000000000000' }
      : {}),
    ...(options.appid !== undefined ? { appid: options.appid } : {}),
    ...(options.tenantId !== undefined ? { tid: options.tenantId } : {}),
  };
  return { token: `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`, expiresOn: exp };
}

/** Why a token was refused: the message of the 401 answer. */
export class AzureTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzureTokenError';
  }
}

/**
 * Reads and checks a bearer token: three dot-separated parts, a JSON payload with `aud` equal to
 * `resource`, `exp` in the future (and `nbf`, if any, in the past), and an `oid` or `appid`.
 */
export function verifyAzureEmulatorToken(
  token: string,
  resource: string,
  now: Date,
): AzureEmulatorTokenClaims {
  const parts = token.split('.');
  let claims: unknown;
  try {
    if (parts.length !== 3) throw new Error('not a JWT');
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    throw new AzureTokenError(
      'Unable to parse the bearer token: expected an unsigned JWT (header.payload.).',
    );
  }
  if (typeof claims !== 'object' || claims === null)
    throw new AzureTokenError('The token payload is not a JSON object.');
  const c = claims as Record<string, unknown>;
  const seconds = Math.floor(now.getTime() / 1000);
  const aud = typeof c.aud === 'string' ? c.aud.replace(/\/$/, '') : undefined;
  if (aud !== resource.replace(/\/$/, ''))
    throw new AzureTokenError(`AKV10022: Invalid audience. Expected ${resource}, found: ${String(c.aud)}.`);
  if (typeof c.exp !== 'number') throw new AzureTokenError('The token has no exp claim.');
  if (c.exp <= seconds)
    throw new AzureTokenError(`The token expired at ${new Date(c.exp * 1000).toISOString()}.`);
  if (typeof c.nbf === 'number' && c.nbf > seconds)
    throw new AzureTokenError('The token is not yet valid (nbf).');
  const oid = typeof c.oid === 'string' && c.oid ? c.oid : undefined;
  const appid = typeof c.appid === 'string' && c.appid ? c.appid : undefined;
  if (!oid && !appid) throw new AzureTokenError('The token names no principal (oid or appid).');
  return {
    aud: aud!,
    exp: c.exp,
    ...(oid ? { oid } : {}),
    ...(appid ? { appid } : {}),
    ...(typeof c.tid === 'string' ? { tid: c.tid } : {}),
  };
}
