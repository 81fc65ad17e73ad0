import { randomUUID } from 'node:crypto';
import {
  type AzureCallContext,
  AzureKeyVaultError,
  type AzureKeyVaultService,
  type AzurePage,
  type AzureRequest,
} from '@envelope/kms-emulator';
import { routeAzureRequest } from './routes.js';
import { AzureTokenError, verifyAzureEmulatorToken } from './token.js';

/** Defaults of the emulator's Key Vault hosts: `<vault>.vault.localhost`, challenge resource to match. */
export const AZURE_VAULT_HOST_SUFFIX = 'vault.localhost';

export interface AzureRestOptions {
  /** Vault hosts are `<vault>.<suffix>` (default `vault.localhost`). */
  vaultHostSuffix?: string;
  /** Tenant id named in the challenge's `authorization` URL (default all zeros). */
  tenantId?: string;
  /** Clock for token expiry (default: now). */
  now?: () => Date;
}

/** An HTTP request as both the socket listener and the in-process client hand it over. */
export interface AzureRestRequest {
  method: string;
  /** The full request URL (scheme, vault host, path and query). */
  url: URL;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body?: string;
  callerIpAddress?: string;
}

export interface AzureRestResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** api-versions of the keys API: `7.0` … `7.6` (with previews) and dated ones such as `2025-07-01`. */
const API_VERSION = /^(7\.[0-6](-preview(\.\d+)?)?|\d{4}-\d{2}-\d{2}(-preview)?)$/;

/** The challenge resource a token's `aud` must name: `https://<suffix>` (e.g. `https://vault.localhost`). */
export const azureChallengeResource = (options: AzureRestOptions = {}): string =>
  `https://${options.vaultHostSuffix ?? AZURE_VAULT_HOST_SUFFIX}`;

/** The vault a host name addresses (`myvault.vault.localhost[:port]` → `myvault`), or undefined. */
export function vaultOfHost(host: string, options: AzureRestOptions = {}): string | undefined {
  const suffix = `.${options.vaultHostSuffix ?? AZURE_VAULT_HOST_SUFFIX}`;
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  if (!hostname.endsWith(suffix)) return undefined;
  const vault = hostname.slice(0, -suffix.length);
  return vault && !vault.includes('.') ? vault : undefined;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): AzureRestResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

const errorResponse = (error: AzureKeyVaultError, headers: Record<string, string> = {}): AzureRestResponse =>
  json(
    error.status,
    error.toBody(),
    error.code === 'Throttled' ? { 'retry-after': '1', ...headers } : headers,
  );

/**
 * The Key Vault keys REST protocol over the Azure service model: challenge-based bearer auth (a
 * request without a valid token gets 401 with `WWW-Authenticate: Bearer authorization="…",
 * resource="https://<suffix>"`), routing, `api-version`, JSON bodies, listing pages as `nextLink`,
 * and Key Vault's error body. Throws the core's `LocationUnavailableError` when the vault is down, so
 * the caller can fail the connection as an outage does.
 */
export async function dispatchAzureRest(
  service: AzureKeyVaultService,
  request: AzureRestRequest,
  options: AzureRestOptions = {},
): Promise<AzureRestResponse> {
  const requestId = randomUUID();
  const clientRequestId = request.headers['x-ms-client-request-id'];
  const common: Record<string, string> = {
    'x-ms-request-id': requestId,
    'x-ms-keyvault-service-version': 'envelope-emulator',
    ...(clientRequestId ? { 'x-ms-client-request-id': clientRequestId } : {}),
  };
  const vault = vaultOfHost(request.url.host, options);
  if (!vault) {
    const suffix = options.vaultHostSuffix ?? AZURE_VAULT_HOST_SUFFIX;
    return errorResponse(
      new AzureKeyVaultError(
        'NotFound',
        `No vault at host '${request.url.hostname}': address a vault as https://<vault>.${suffix}.`,
      ),
      common,
    );
  }

  const resource = azureChallengeResource(options);
  const challenge = {
    'www-authenticate': `Bearer authorization="https://login.${options.vaultHostSuffix ?? AZURE_VAULT_HOST_SUFFIX}/${options.tenantId ?? '00000000-0000-0000-0000-000000000000'}", resource="${resource}"`,
  };
  const authorization = request.headers.authorization;
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!bearer)
    return errorResponse(
      new AzureKeyVaultError('Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.'),
      { ...common, ...challenge },
    );
  let claims: ReturnType<typeof verifyAzureEmulatorToken>;
  try {
    claims = verifyAzureEmulatorToken(bearer, resource, options.now?.() ?? new Date());
  } catch (error) {
    if (!(error instanceof AzureTokenError)) throw error;
    return errorResponse(new AzureKeyVaultError('Unauthorized', error.message), { ...common, ...challenge });
  }

  const apiVersion = request.url.searchParams.get('api-version');
  if (apiVersion === null)
    return errorResponse(badRequest('The api-version query parameter is required.'), common);
  if (!API_VERSION.test(apiVersion))
    return errorResponse(
      badRequest(
        `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`,
      ),
      common,
    );

  let route: ReturnType<typeof routeAzureRequest>;
  try {
    route = routeAzureRequest(request.method.toUpperCase(), request.url.pathname);
  } catch {
    route = undefined;
  }
  if (!route)
    return errorResponse(
      new AzureKeyVaultError(
        'NotFound',
        `No keys API operation at ${request.method} ${request.url.pathname}.`,
      ),
      common,
    );
  if ('leftOut' in route)
    return errorResponse(
      new AzureKeyVaultError(
        'NotImplemented',
        `The ${route.leftOut} operation is not implemented by the Envelope emulator.`,
      ),
      common,
    );

  let body: unknown;
  if (request.body) {
    try {
      body = JSON.parse(request.body);
    } catch {
      return errorResponse(badRequest('The request body is not valid JSON.'), common);
    }
  }
  const maxresults = request.url.searchParams.get('maxresults');
  const skiptoken = request.url.searchParams.get('$skiptoken');
  const azureRequest: AzureRequest = {
    ...(route.name !== undefined ? { name: route.name } : {}),
    ...(route.version !== undefined ? { version: route.version } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(maxresults !== null ? { maxresults: Number(maxresults) } : {}),
    ...(skiptoken !== null ? { skiptoken } : {}),
  };
  const vaultUrl = request.url.origin;
  const context: AzureCallContext = {
    vault,
    vaultUrl,
    principal: claims.oid ?? claims.appid!,
    requestId,
    detail: {
      apiVersion,
      ...(claims.appid ? { appid: claims.appid } : {}),
      ...(request.callerIpAddress ? { callerIpAddress: request.callerIpAddress } : {}),
      ...(request.headers['user-agent'] ? { clientInfo: request.headers['user-agent'] } : {}),
    },
  };
  try {
    const result = await service.invoke(route.operation, azureRequest, context);
    if (route.operation === 'purgeDeletedKey') return { status: 204, headers: common };
    if (LISTINGS.has(route.operation) && isPage(result)) {
      const nextLink = result.next ? pageLink(request.url, apiVersion, result.next) : null;
      return json(200, { value: result.value, nextLink }, common);
    }
    return json(200, result, common);
  } catch (error) {
    if (error instanceof AzureKeyVaultError) return errorResponse(error, common);
    throw error;
  }
}

const LISTINGS = new Set(['getKeys', 'getKeyVersions', 'getDeletedKeys']);

const badRequest = (message: string) => new AzureKeyVaultError('BadParameter', message);

const isPage = (value: unknown): value is AzurePage =>
  typeof value === 'object' && value !== null && Array.isArray((value as AzurePage).value);

function pageLink(url: URL, apiVersion: string, token: string): string {
  const next = new URL(url.pathname, url.origin);
  next.searchParams.set('api-version', apiVersion);
  next.searchParams.set('$skiptoken', token);
  const maxresults = url.searchParams.get('maxresults');
  if (maxresults !== null) next.searchParams.set('maxresults', maxresults);
  return next.toString();
}
