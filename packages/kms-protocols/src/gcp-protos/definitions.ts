import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

let protosJson: protobuf.INamespace | undefined;

/**
 * The protocol definitions shipped in `@google-cloud/kms` (its `build/protos/protos.json`, the
 * descriptor its own client encodes with): no message shape is written by hand here. Read on first
 * use, not at import: the file is large and a server without a GCP face never needs it.
 */
export function kmsProtosJson(): protobuf.INamespace {
  protosJson ??= require('@google-cloud/kms/build/protos/protos.json') as protobuf.INamespace;
  return protosJson;
}

export const KMS_SERVICE_NAME = 'google.cloud.kms.v1.KeyManagementService';

let root: protobuf.Root | undefined;

/** The resolved protobuf.js root of the Cloud KMS definitions (built once). */
export function kmsRoot(): protobuf.Root {
  if (!root) {
    root = protobuf.Root.fromJSON(kmsProtosJson());
    root.resolveAll();
  }
  return root;
}

export function kmsService(): protobuf.Service {
  return kmsRoot().lookupService(KMS_SERVICE_NAME);
}

/**
 * The object form both wires hand the service model: enums by name, int64 as decimal strings,
 * bytes as Buffers, unset fields absent (so a present wrapper such as `{}` for a zero checksum stays
 * distinguishable from an absent one). @grpc/proto-loader takes the same options.
 */
export const OBJECT_OPTIONS = { longs: String, enums: String, defaults: false, oneofs: true } as const;
