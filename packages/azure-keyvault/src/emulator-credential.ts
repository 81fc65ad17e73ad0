import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

const HOUR_MS = 3_600_000;

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * A `TokenCredential` for the Envelope emulator: no Azure identity, no network. Its tokens are
 * unsigned JWTs (`alg: none`, empty signature) whose `aud` is the requested scope's resource (the
 * scope without `/.default`) and whose `exp` is an hour away; `oid` and `appid` name the principal
 * that the emulator's audit log records. Real Key Vault rejects them, which is the point.
 */
export class EmulatorCredential implements TokenCredential {
  readonly principal: string;

  constructor(principal = 'envelope-emulator') {
    this.principal = principal;
  }

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const scope = (Array.isArray(scopes) ? scopes[0] : scopes) ?? '';
    const aud = scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
    const now = Date.now();
    const expiresOnTimestamp = now + HOUR_MS;
    const payload = {
      aud,
      iat: Math.floor(now / 1000),
      nbf: Math.floor(now / 1000),
      exp: Math.floor(expiresOnTimestamp / 1000),
      oid: this.principal,
      appid: this.principal,
    };
    return {
      token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`,
      expiresOnTimestamp,
      tokenType: 'Bearer',
    };
  }
}
