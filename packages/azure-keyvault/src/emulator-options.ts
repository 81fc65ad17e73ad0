import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { readFileSync } from 'node:fs';
import { Agent, type AgentOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { CryptographyClientOptions } from '@azure/keyvault-keys';
import { InvalidArgumentError } from '@envelope/core';
import { EmulatorCredential } from './emulator-credential.js';

/** The emulator's vault host suffix: vaults are `https://<vault>.vault.localhost`. */
export const AZURE_EMULATOR_VAULT_HOST_SUFFIX = 'vault.localhost';

export interface AzureEmulatorOptions {
  /**
   * The emulator's Azure port, e.g. `http://127.0.0.1:45123` as `envelope kms serve` prints it
   * (`endpoints['azure-https']`), or `https://localhost:45123`: only its host and port are used.
   */
  readonly endpoint: string;
  /** PEM file of the emulator's CA (printed by `envelope kms serve`), trusted for this client only. */
  readonly caFile?: string | undefined;
  /** The emulator's CA certificate itself (PEM), e.g. from `GET /_envelope/endpoints`; wins over `caFile`. */
  readonly caCertPem?: string | undefined;
  /** The emulator's vault host suffix; default `vault.localhost`. */
  readonly vaultHostSuffix?: string | undefined;
  /** Principal named in the emulator's tokens and audit log; default `envelope-emulator`. */
  readonly principal?: string | undefined;
}

/** What a keyring needs to talk to the emulator instead of Azure. */
export interface AzureClientSettings {
  readonly credential: TokenCredential;
  readonly clientOptions: CryptographyClientOptions;
}

/**
 * Resolves `<anything>.localhost` to loopback (RFC 6761 reserves the name; glibc does not resolve
 * it), so an endpoint given as `localhost` works offline without editing /etc/hosts.
 */
function loopbackLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dnsLookup(hostname, options, callback as never);
}

function readCa(options: AzureEmulatorOptions): string | undefined {
  if (options.caCertPem !== undefined) return options.caCertPem;
  if (options.caFile === undefined) return undefined;
  try {
    return readFileSync(options.caFile, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(
      `Cannot read the emulator CA file ${options.caFile}: ${(error as Error).message}. Pass the path \`envelope kms serve\` printed.`,
    );
  }
}

/**
 * An HTTPS agent whose every connection goes to the emulator's port, whatever host the request URL
 * names: the URL (and so the Host header, the TLS server name and the certificate check) stays
 * `https://<vault>.vault.localhost`, which the emulator's certificate names, and no DNS or
 * /etc/hosts entry is needed for it.
 */
function emulatorAgent(host: string, port: number, ca: string | undefined): Agent {
  const options: AgentOptions = { keepAlive: true, ...(ca ? { ca } : {}) };
  const agent = new Agent(options);
  agent.createConnection = (connection, callback) => {
    const request = connection as { host?: string; servername?: string };
    const servername = request.servername || request.host;
    const socket = tlsConnect({
      ...(connection as object),
      host,
      port,
      lookup: loopbackLookup,
      ...(servername && !isIP(servername) ? { servername } : {}),
    });
    (callback as ((error: Error | null, socket: Duplex) => void) | undefined)?.(null, socket);
    return socket;
  };
  return agent;
}

/**
 * Settings that point the official SDK at the emulator's Key Vault face (the config `emulator` switch
 * calls this with what the server's `GET /_envelope/endpoints` says): an {@link EmulatorCredential},
 * and a policy that hands each request to an agent connecting to the emulator's port, trusting the
 * emulator CA for these clients only. Key ids name emulator vaults, `https://<vault>.vault.localhost/keys/<name>`,
 * and the URL is left as it is, so the key ids the emulator answers with are the configured ones and
 * the SDK's challenge-resource check (the request host must end with `.vault.localhost`, the
 * resource the emulator names) stays on. Another vault host (`https://contoso.vault.azure.net`) is
 * sent to the emulator's vault of the same name (`contoso.vault.localhost`), so a client built for
 * Azure never reaches Azure with the emulator's credential.
 */
export function azureClientOptions(options: AzureEmulatorOptions): AzureClientSettings {
  let endpoint: URL;
  try {
    endpoint = new URL(options.endpoint);
  } catch {
    throw new InvalidArgumentError(`Azure emulator endpoint "${options.endpoint}" is not a URL.`);
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
    throw new InvalidArgumentError(`Azure emulator endpoint "${options.endpoint}" must be http(s).`);
  }
  // The emulator's port speaks TLS and CONNECT on one socket: TLS straight to it, whichever scheme named it.
  const port = Number(endpoint.port) || (endpoint.protocol === 'https:' ? 443 : 80);
  const host = endpoint.hostname.replace(/^\[(.*)\]$/, '$1');
  const agent = emulatorAgent(host, port, readCa(options));
  const suffix = `.${options.vaultHostSuffix ?? AZURE_EMULATOR_VAULT_HOST_SUFFIX}`;
  const redirect: PipelinePolicy = {
    name: 'envelopeEmulatorRedirect',
    sendRequest(request, next) {
      const url = new URL(request.url);
      if (!url.hostname.endsWith(suffix) || url.protocol !== 'https:' || url.port !== '') {
        url.protocol = 'https:';
        url.hostname = `${url.hostname.split('.')[0]!}${suffix}`;
        url.port = '';
        request.url = url.toString();
      }
      request.agent = agent;
      return next(request);
    },
  };
  return {
    credential: new EmulatorCredential(options.principal),
    clientOptions: { additionalPolicies: [{ policy: redirect, position: 'perCall' }] },
  };
}
