import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { loadOptionalModule } from '@envelope/core';
import { type AzureKeyVaultService, isAzureVaultName } from '@envelope/kms-emulator';
import { loadOrCreateTlsMaterial } from '../tls/tls-material.js';

export interface AzureHttpsListenerOptions {
  /** The Key Vault service model the listener serves. */
  service: AzureKeyVaultService;
  /** Vault names whose hosts `<vault>.<suffix>` the certificate names (others work for Node clients through the wildcard). */
  vaults: readonly string[];
  /** Keeps the CA and server certificate across restarts; per process when absent. */
  tlsDir?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Vault hosts are `<vault>.<suffix>` (default `vault.localhost`). */
  vaultHostSuffix?: string;
}

export interface AzureHttpsListener {
  /** `http://<host>:<port>`: the proxy URL clients tunnel `https://<vault>.<suffix>` through. */
  proxyUrl: string;
  host: string;
  port: number;
  /** The URL a client uses for a vault: `https://<vault>.<suffix>` (reached through the proxy). */
  vaultUrl(vault: string): string;
  /** CA certificate file to pass as NODE_EXTRA_CA_CERTS. */
  caPath: string;
  caCertPem: string;
  /** Vault hosts are `<vault>.<vaultHostSuffix>`. */
  vaultHostSuffix: string;
  close(): Promise<void>;
}

/** First byte of a TLS handshake record (RFC 8446 section 5.1, ContentType handshake). */
const TLS_HANDSHAKE = 0x16;

/**
 * Key Vault over HTTPS for several vaults on one port. `<vault>.vault.localhost` does not resolve on
 * a machine without an /etc/hosts entry, so the port is also an HTTP CONNECT proxy: a client (the
 * SDK's `proxyOptions`, or `HTTPS_PROXY`) asks it to tunnel `<vault>.vault.localhost:443`, and the
 * tunnel ends in this process's TLS server, never on the network. The certificate names every
 * vault host, so TLS verification and the SDK's challenge-resource check both stay on. The same
 * port answers direct TLS too (`https://127.0.0.1:<port>` or `https://localhost:<port>`, with
 * challenge verification off). Refuses CONNECT to any host but a vault host.
 */
export async function createAzureHttpsListener(
  options: AzureHttpsListenerOptions,
): Promise<AzureHttpsListener> {
  // Loaded here, not at import: a server without the Azure face never pays for the Azure protocol.
  // In the running module system, so the protocol and the service share one copy of the emulator's
  // modules (its error classes).
  const { AZURE_VAULT_HOST_SUFFIX, azureRestRequestListener, vaultOfHost } = await loadOptionalModule({
    require: () => require('@envelope/kms-protocols/azure-rest'),
    import: () => import('@envelope/kms-protocols/azure-rest'),
  });
  const suffix = options.vaultHostSuffix ?? AZURE_VAULT_HOST_SUFFIX;
  for (const vault of options.vaults) {
    if (!isAzureVaultName(vault))
      throw new TypeError(`Invalid vault name '${vault}': 3-24 letters, digits and dashes.`);
  }
  const hosts = [
    ...options.vaults.map((v) => `${v.toLowerCase()}.${suffix}`),
    `*.${suffix}`,
    'localhost',
    '127.0.0.1',
  ];
  const tls = loadOrCreateTlsMaterial({ hosts, ...(options.tlsDir ? { dir: options.tlsDir } : {}) });
  const restOptions = { vaultHostSuffix: suffix };

  const sockets = new Set<Socket>();
  const httpsServer = createHttpsServer(
    { cert: tls.certPem, key: tls.keyPem },
    azureRestRequestListener(options.service, restOptions),
  );
  const proxy = createHttpServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        error: {
          code: 'BadParameter',
          message: `Use HTTPS: https://<vault>.${suffix} through this port as a proxy.`,
        },
      }),
    );
  });
  proxy.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = req.url ?? '';
    if (!vaultOfHost(target, restOptions)) {
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    httpsServer.emit('connection', socket);
  });

  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      (chunk[0] === TLS_HANDSHAKE ? httpsServer : proxy).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = front.address() as AddressInfo;
  return {
    proxyUrl: `http://${host}:${port}`,
    host,
    port,
    vaultUrl: (vault) => `https://${vault.toLowerCase()}.${suffix}`,
    caPath: tls.caPath,
    caCertPem: tls.caCertPem,
    vaultHostSuffix: suffix,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        front.close(() => resolve());
      }),
  };
}
