import type { GcpKmsService } from '@envelope/kms-emulator';
import { ServerCredentials } from '@grpc/grpc-js';
import { createGcpGrpcServer } from './server.js';

/** A bound Cloud KMS gRPC listener (plaintext HTTP/2, for local clients with insecure channel credentials). */
export interface GcpGrpcListener {
  readonly name: 'gcp-grpc';
  /** `host:port`, the `apiEndpoint` + `port` a client dials. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting calls, lets in-flight ones finish for up to `graceMs`, then cancels the rest. */
  close(graceMs?: number): Promise<void>;
}

/** Binds {@link createGcpGrpcServer} on `host:port` (0 picks a free port). */
export function startGcpGrpcListener(
  service: GcpKmsService,
  host: string,
  port: number,
): Promise<GcpGrpcListener> {
  const server = createGcpGrpcServer(service);
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
      if (error) {
        server.forceShutdown();
        reject(error);
        return;
      }
      resolve({
        name: 'gcp-grpc',
        url: `${host}:${bound}`,
        port: bound,
        close: (graceMs = 5000) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.forceShutdown(), graceMs);
            server.tryShutdown(() => {
              clearTimeout(timer);
              done();
            });
          }),
      });
    });
  });
}
