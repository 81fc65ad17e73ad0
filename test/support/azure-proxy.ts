import type { KeyClientOptions } from '@azure/keyvault-keys';
import { HttpsProxyAgent } from 'https-proxy-agent';

/** https-proxy-agent takes TLS options for the tunnelled connection from each request, not its own. */
export class TrustingProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: string,
    readonly ca: string,
  ) {
    super(proxy);
  }
  override connect(
    req: Parameters<HttpsProxyAgent<string>['connect']>[0],
    opts: Parameters<HttpsProxyAgent<string>['connect']>[1],
  ) {
    return super.connect(req, { ...opts, ca: this.ca } as typeof opts);
  }
}

/**
 * Key Vault SDK client options that reach the emulator's Azure face through its CONNECT proxy,
 * trusting its CA (PEM) in this process (NODE_EXTRA_CA_CERTS is read only at start); no retries.
 */
export function throughAzureProxy(proxyUrl: string, caCertPem: string) {
  const agent = new TrustingProxyAgent(proxyUrl, caCertPem);
  return {
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [
      {
        position: 'perCall' as const,
        policy: {
          name: 'emulatorProxyAgent',
          sendRequest: (request: { agent?: unknown }, next: (r: never) => Promise<never>) => {
            request.agent = agent;
            return next(request as never);
          },
        },
      },
    ],
  } satisfies KeyClientOptions;
}
