import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GcpKmsService, HsmCore, MemoryResourceStore } from '@envelope/kms-emulator';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import * as grpc from '@grpc/grpc-js';
import { PassThroughClient } from 'google-auth-library';
import { createGcpGrpcServer, GcpInProcessAuthClient, gcpRestRequestListener } from '../src/index.js';

export type Transport = 'grpc' | 'rest' | 'in-process';
export const TRANSPORTS: readonly Transport[] = ['grpc', 'rest', 'in-process'];

/** Low retry budget for every call in tests (the client's default on UNAVAILABLE is 600 s). */
export const FAST = { timeout: 5000, retry: null } as const;

export interface GcpHarness {
  core: HsmCore;
  service: GcpKmsService;
  client: KeyManagementServiceClient;
  port?: number;
  close(): Promise<void>;
}

export function newService(): { core: HsmCore; service: GcpKmsService } {
  const core = new HsmCore({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  return { core, service: new GcpKmsService(core) };
}

export async function startGrpc(service: GcpKmsService): Promise<{ server: grpc.Server; port: number }> {
  const server = createGcpGrpcServer(service);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { server, port };
}

export async function startRest(service: GcpKmsService): Promise<{ server: HttpServer; port: number }> {
  const server = createServer(gcpRestRequestListener(service));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

export async function gcpHarness(transport: Transport): Promise<GcpHarness> {
  const { core, service } = newService();
  if (transport === 'grpc') {
    const { server, port } = await startGrpc(service);
    const client = new KeyManagementServiceClient({
      apiEndpoint: '127.0.0.1',
      port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
    });
    return {
      core,
      service,
      client,
      port,
      close: async () => {
        await client.close();
        server.forceShutdown();
      },
    };
  }
  if (transport === 'rest') {
    const { server, port } = await startRest(service);
    const client = new KeyManagementServiceClient({
      fallback: 'rest',
      protocol: 'http',
      apiEndpoint: '127.0.0.1',
      port,
      universeDomain: 'googleapis.com',
      authClient: new PassThroughClient(),
    });
    return {
      core,
      service,
      client,
      port,
      close: async () => {
        await client.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }
  const client = new KeyManagementServiceClient({
    fallback: 'rest',
    authClient: new GcpInProcessAuthClient(service) as never,
  });
  return { core, service, client, close: () => client.close() };
}
