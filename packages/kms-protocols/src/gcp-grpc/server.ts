import { GcpKmsError, type GcpKmsService, LocationUnavailableError } from '@envelope/kms-emulator';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { KMS_SERVICE_NAME, kmsProtosJson, OBJECT_OPTIONS } from '../gcp-protos/definitions.js';
import { wipeGcpRequestSecrets, wipeGcpSecrets } from '../gcp-protos/secret-fields.js';

let definition: grpc.ServiceDefinition | undefined;

/** `google.cloud.kms.v1.KeyManagementService` as @grpc/proto-loader builds it from the shipped definitions. */
export function kmsGrpcServiceDefinition(): grpc.ServiceDefinition {
  if (!definition) {
    const packageDefinition = protoLoader.fromJSON(kmsProtosJson() as protobufjsJson, {
      keepCase: false,
      ...OBJECT_OPTIONS,
    });
    definition = packageDefinition[KMS_SERVICE_NAME] as grpc.ServiceDefinition;
  }
  return definition;
}
type protobufjsJson = Parameters<typeof protoLoader.fromJSON>[0];

/** The gRPC status for anything the service throws; a location that is down looks like an outage. */
export function toGrpcStatus(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof LocationUnavailableError)
    return { code: grpc.status.UNAVAILABLE, details: error.message };
  if (error instanceof GcpKmsError) return { code: error.grpcCode, details: error.message };
  return { code: grpc.status.INTERNAL, details: 'Internal error.' };
}

/**
 * A grpc-js implementation of every unary `KeyManagementService` method, answered by the GCP
 * service model (methods it does not implement answer UNIMPLEMENTED with the method's name).
 */
export function gcpGrpcImplementation(service: GcpKmsService): grpc.UntypedServiceImplementation {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, spec] of Object.entries(kmsGrpcServiceDefinition())) {
    if (spec.requestStream || spec.responseStream) continue;
    implementation[method] = (
      call: grpc.ServerUnaryCall<object, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const request = call.request as Record<string, unknown>;
      service.invoke(method, request).then(
        (response) => {
          wipeGcpRequestSecrets(request);
          // A call already cancelled (client deadline passed, client gone) is never answered, so
          // grpc-js never runs the wiping serializer: wipe the secrets here instead. A cancel that
          // lands after the callback but before serializing is covered by the listener.
          if (call.cancelled) {
            wipeGcpSecrets(response);
            return;
          }
          call.once('cancelled', () => wipeGcpSecrets(response));
          callback(null, response);
        },
        (error: unknown) => {
          wipeGcpRequestSecrets(request);
          callback(toGrpcStatus(error) as grpc.ServerErrorResponse);
        },
      );
    };
  }
  return implementation;
}

/**
 * A grpc-js `Server` serving Cloud KMS from the service model, not yet bound: the caller binds it
 * (`bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), …)`) and shuts it down.
 */
export function createGcpGrpcServer(service: GcpKmsService, options?: grpc.ServerOptions): grpc.Server {
  const server = new grpc.Server(options);
  server.addService(wipingServiceDefinition(), gcpGrpcImplementation(service));
  return server;
}

let wipingDefinition: grpc.ServiceDefinition | undefined;

/**
 * The service definition with each response serializer zero-filling the response's secret buffers
 * (plaintexts, random bytes) once grpc-js has encoded them, so the bytes sent are never wiped early.
 * Serializing does not always follow the handler's callback: grpc-js skips it for a call already
 * cancelled (client deadline passed, client gone), so the handler wipes those responses itself.
 */
function wipingServiceDefinition(): grpc.ServiceDefinition {
  if (!wipingDefinition) {
    const wiping: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    for (const [method, spec] of Object.entries(kmsGrpcServiceDefinition())) {
      wiping[method] = {
        ...spec,
        responseSerialize: (response: unknown) => {
          try {
            return spec.responseSerialize(response);
          } finally {
            wipeGcpSecrets(response);
          }
        },
      };
    }
    wipingDefinition = wiping;
  }
  return wipingDefinition;
}
