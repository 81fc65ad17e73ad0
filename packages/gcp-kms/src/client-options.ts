import { InvalidArgumentError } from '@envelope/core';
import { type ClientOptions, grpc } from 'google-gax';

export type GcpTransport = 'grpc' | 'rest';

export interface GcpEmulatorEndpoint {
  /** `host:port`, or `http://host:port`, of an emulator (`envelope kms serve`) speaking Cloud KMS. */
  readonly endpoint: string;
  /** `grpc` (default) or `rest`: the client's REST fallback (`fallback: 'rest'`, plain HTTP). */
  readonly transport?: GcpTransport;
}

/** The universe the official client assumes; set explicitly so it never asks a metadata server. */
const UNIVERSE = 'googleapis.com';

function hostAndPort(endpoint: string): { host: string; port: number } {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(
      `Emulator endpoint ${JSON.stringify(endpoint)} is not host:port or http://host:port.`,
    );
  }
  const port = Number(parsed.port);
  if (
    !parsed.hostname ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 65535 ||
    (parsed.pathname !== '/' && parsed.pathname !== '')
  ) {
    throw new InvalidArgumentError(
      `Emulator endpoint ${JSON.stringify(endpoint)} needs a host and a port, e.g. 127.0.0.1:4600.`,
    );
  }
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port };
}

/**
 * An auth client for the REST fallback that adds no Google credentials: the emulator asks for
 * none, and the client then never looks for Application Default Credentials or a metadata server.
 */
function emulatorAuthClient() {
  return {
    universeDomain: UNIVERSE,
    async getRequestHeaders(): Promise<Headers> {
      return new Headers({ authorization: 'Bearer envelope-emulator' });
    },
    fetch(url: string | URL, init: RequestInit): Promise<Response> {
      const headers = new Headers(init.headers);
      headers.set('authorization', 'Bearer envelope-emulator');
      const request: RequestInit = { method: init.method ?? 'GET', headers };
      if (init.body !== undefined) request.body = init.body;
      if (init.signal) request.signal = init.signal;
      return fetch(url, request);
    },
  };
}

/**
 * The `@google-cloud/kms` client options that point it at an emulator instead of Google: gRPC over
 * an insecure channel (`sslCreds`), or REST over plain HTTP; a fixed `universeDomain` and no
 * Google credentials, so the client never probes a metadata server. Everything else is the
 * official client unchanged. The config package's emulator switch calls this.
 */
export function gcpClientOptions(target: GcpEmulatorEndpoint): ClientOptions {
  const { host, port } = hostAndPort(target.endpoint);
  const transport = target.transport ?? 'grpc';
  if (transport === 'rest') {
    return {
      apiEndpoint: host,
      port,
      fallback: 'rest',
      protocol: 'http',
      universeDomain: UNIVERSE,
      authClient: emulatorAuthClient() as unknown as ClientOptions['authClient'],
    } as ClientOptions;
  }
  if (transport !== 'grpc') {
    throw new InvalidArgumentError(
      `Unknown Cloud KMS transport ${JSON.stringify(transport)}; use grpc or rest.`,
    );
  }
  return {
    apiEndpoint: host,
    port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: UNIVERSE,
  };
}
