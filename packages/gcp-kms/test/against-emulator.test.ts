import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gcpClientOptions } from '@envelope/gcp-kms';
import { GcpKmsService, HsmCore, MemoryResourceStore } from '@envelope/kms-emulator';
import {
  type GcpGrpcListener,
  GcpInProcessAuthClient,
  gcpRestRequestListener,
  startGcpGrpcListener,
} from '@envelope/kms-protocols';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { keyringContract } from './support/keyring-contract.js';

/**
 * The keyring with the official client against the emulator's Cloud KMS face, started here on
 * 127.0.0.1 port 0 (gRPC and REST) and in-process (the client's REST path through an auth client that
 * answers from the service, no socket): the same contract on each transport.
 */
describe("the GCP keyring against the emulator's Cloud KMS face", () => {
  const service = new GcpKmsService(
    new HsmCore({ store: new MemoryResourceStore(), rootKey: randomBytes(32) }),
  );
  let grpc: GcpGrpcListener;
  let rest: Server;

  before(async () => {
    grpc = await startGcpGrpcListener(service, '127.0.0.1', 0);
    rest = createServer(gcpRestRequestListener(service));
    await new Promise<void>((resolve) => rest.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await grpc.close(1000);
    await new Promise<void>((resolve) => rest.close(() => resolve()));
  });

  keyringContract(
    'the emulator over gRPC',
    () => new KeyManagementServiceClient(gcpClientOptions({ endpoint: grpc.url, transport: 'grpc' })),
  );
  keyringContract(
    'the emulator over REST',
    () =>
      new KeyManagementServiceClient(
        gcpClientOptions({
          endpoint: `127.0.0.1:${(rest.address() as AddressInfo).port}`,
          transport: 'rest',
        }),
      ),
  );
  keyringContract(
    'the in-process emulator',
    () =>
      new KeyManagementServiceClient({
        fallback: 'rest',
        universeDomain: 'googleapis.com',
        authClient: new GcpInProcessAuthClient(service) as never,
      }),
  );
});
