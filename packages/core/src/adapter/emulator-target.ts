import type { EmulatorEndpointAddress } from './discover-endpoints.js';

/**
 * Where the config's emulator switch points every keyring: a running emulator server, or the
 * process's in-process engine. Core and config know no cloud: each keyring package turns a target
 * into its own SDK's client settings with its emulator hook ({@link KeyringPackage.emulatorClient}).
 */
export type EmulatorTarget = EmulatorServerTarget | InProcessEmulatorTarget;

/** A running `envelope kms serve`. */
export interface EmulatorServerTarget {
  readonly url: string;
  /**
   * Where the server's faces listen (`GET /_envelope/endpoints`, see `discoverEmulatorEndpoints`),
   * asked at most once per target: every keyring package's hook that needs it shares the one answer,
   * so a config naming several clouds makes one request (and waits out one timeout on a dead server).
   */
  endpoints(): Promise<Readonly<Record<string, EmulatorEndpointAddress | undefined>> | undefined>;
}

/** The emulator engine in this process: SDK calls reach it through an in-process transport, no socket. */
export interface InProcessEmulatorTarget {
  readonly url: undefined;
  /**
   * The current `@envelope/kms-emulator` engine, opaque here. It may be replaced (the shared
   * emulator's reset), so a transport reads it on every call rather than keeping the first one.
   */
  readonly engine: object;
}
