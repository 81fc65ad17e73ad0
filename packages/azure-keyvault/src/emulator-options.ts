import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { CryptographyClientOptions } from '@azure/keyvault-keys';
import { InvalidArgumentError } from '@envelope/core';
import { EmulatorCredential } from './emulator-credential.js';

export interface AzureEmulatorOptions {
  /** The emulator's Azure endpoint, e.g. `https://localhost:8443`. */
  readonly endpoint: string;
  /** PEM file of the emulator's CA (printed by `envelope kms serve`), trusted for this client only. */
  readonly caFile?: string | undefined;
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
 * it), so vaults can be told apart by host name offline without editing /etc/hosts.
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

/**
 * Settings that point the official SDK at the emulator (the config `emulator` switch calls this):
 * an {@link EmulatorCredential}, the emulator CA trusted for these clients only, and a policy that
 * sends each request to the emulator with the vault as a sub-domain of the endpoint's host:
 * `https://contoso.vault.azure.net/keys/k` goes to `https://contoso.localhost:8443/keys/k` for the
 * endpoint `https://localhost:8443`. Key ids in `envelope.yaml` stay the real ones. The policy runs
 * per call, before authentication, so challenge-resource verification (the request host must end
 * with `.<resource host>`) stays on: the emulator answers with resource `https://localhost`.
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
  let ca: string | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = readFileSync(options.caFile, 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(
        `Cannot read the emulator CA file ${options.caFile}: ${(error as Error).message}. Pass the path \`envelope kms serve\` printed.`,
      );
    }
  }
  // One agent for every client: keeps connections alive, trusts only the emulator CA when given.
  const agent = new Agent({ keepAlive: true, lookup: loopbackLookup, ...(ca ? { ca } : {}) });
  const suffix = `.${endpoint.hostname}`;
  const redirect: PipelinePolicy = {
    name: 'envelopeEmulatorRedirect',
    sendRequest(request, next) {
      const url = new URL(request.url);
      if (!url.hostname.endsWith(suffix) || url.port !== endpoint.port) {
        const vault = url.hostname.split('.')[0]!;
        url.protocol = endpoint.protocol;
        url.hostname = `${vault}${suffix}`;
        url.port = endpoint.port;
        request.url = url.toString();
      }
      if (url.protocol === 'https:') request.agent = agent;
      return next(request);
    },
  };
  return {
    credential: new EmulatorCredential(options.principal),
    clientOptions: { additionalPolicies: [{ policy: redirect, position: 'perCall' }] },
  };
}
