import type { AuditRecord } from '../core/index.js';
import { GCP_STATUS_CODES, isGcpStatus } from './errors.js';

/** A Cloud Audit Logs `LogEntry` with an `AuditLog` payload, as Cloud Logging shows KMS calls. */
export interface CloudAuditLogEntry {
  logName: string;
  insertId: string;
  timestamp: string;
  severity: 'INFO' | 'NOTICE' | 'ERROR';
  resource: { type: string; labels: Record<string, string> };
  protoPayload: {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog';
    serviceName: 'cloudkms.googleapis.com';
    methodName: string;
    resourceName: string;
    authenticationInfo: { principalEmail: string };
    request: Record<string, unknown>;
    requestMetadata: { requestAttributes: { id: string } };
    status?: { code: number; message: string };
  };
}

/** Methods that change configuration go to the Admin Activity log; the others to Data Access. */
const ADMIN_WRITE = /^(Create|Update|Destroy|Restore)/;

export function renderAuditEntry(record: AuditRecord): CloudAuditLogEntry {
  const resourceName = record.resources[0] ?? record.location;
  const parts = resourceName.split('/');
  const project = parts[1] ?? '';
  const labels: Record<string, string> = { project_id: project, location: parts[3] ?? '' };
  if (parts[5]) labels.key_ring_id = parts[5];
  if (parts[7]) labels.crypto_key_id = parts[7];
  const type = parts[7] ? 'cloudkms_cryptokey' : parts[5] ? 'cloudkms_keyring' : 'audited_resource';
  const log = ADMIN_WRITE.test(record.operation) ? 'activity' : 'data_access';
  return {
    logName: `projects/${project}/logs/cloudaudit.googleapis.com%2F${log}`,
    insertId: record.id,
    timestamp: record.time,
    severity: record.error ? 'ERROR' : log === 'activity' ? 'NOTICE' : 'INFO',
    resource: { type, labels },
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      serviceName: 'cloudkms.googleapis.com',
      methodName: `google.cloud.kms.v1.KeyManagementService.${record.operation}`,
      resourceName,
      authenticationInfo: { principalEmail: record.principal },
      request: {
        '@type': `type.googleapis.com/google.cloud.kms.v1.${record.operation}Request`,
        ...record.parameters,
      },
      requestMetadata: { requestAttributes: { id: record.requestId } },
      ...(record.error
        ? {
            status: {
              code: isGcpStatus(record.error.code)
                ? GCP_STATUS_CODES[record.error.code]
                : GCP_STATUS_CODES.UNKNOWN,
              message: record.error.message,
            },
          }
        : {}),
    },
  };
}
