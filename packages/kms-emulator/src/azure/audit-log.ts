import type { AuditRecord } from '../core/index.js';
import { AZURE_ERROR_STATUS, isAzureErrorCode } from './errors.js';

/** Key Vault diagnostic-log operation names (category AuditEvent), by REST operation. */
const LOG_OPERATION: Readonly<Record<string, string>> = {
  createKey: 'KeyCreate',
  getKey: 'KeyGet',
  updateKey: 'KeyUpdate',
  rotateKey: 'KeyRotate',
  getKeys: 'KeyList',
  getKeyVersions: 'KeyListVersions',
  deleteKey: 'KeyDelete',
  getDeletedKey: 'KeyGetDeleted',
  getDeletedKeys: 'KeyListDeleted',
  recoverDeletedKey: 'KeyRecover',
  purgeDeletedKey: 'KeyPurge',
  getKeyRotationPolicy: 'KeyRotationPolicyGet',
  updateKeyRotationPolicy: 'KeyRotationPolicySet',
  encrypt: 'KeyEncrypt',
  decrypt: 'KeyDecrypt',
  wrapKey: 'KeyWrap',
  unwrapKey: 'KeyUnwrap',
  sign: 'KeySign',
  verify: 'KeyVerify',
};

/** One entry of a Key Vault resource log (Azure Monitor, category `AuditEvent`). */
export interface AzureDiagnosticLogEntry {
  time: string;
  resourceId: string;
  operationName: string;
  operationVersion?: string;
  category: 'AuditEvent';
  resultType: 'Success' | 'Failure';
  resultSignature: string;
  resultDescription?: string;
  correlationId: string;
  callerIpAddress?: string;
  identity: { claim: Record<string, string> };
  properties: {
    id?: string;
    httpStatusCode: number;
    clientInfo?: string;
    requestParameters: Record<string, unknown>;
  };
}

const OID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

/** Renders a neutral audit record in Key Vault's diagnostic log shape. */
export function renderAuditEntry(record: AuditRecord): AzureDiagnosticLogEntry {
  const detail = record.detail ?? {};
  const status = record.error
    ? isAzureErrorCode(record.error.code)
      ? AZURE_ERROR_STATUS[record.error.code]
      : 500
    : record.operation === 'purgeDeletedKey'
      ? 204
      : 200;
  const claim: Record<string, string> = { [OID_CLAIM]: record.principal };
  if (typeof detail.appid === 'string') claim.appid = detail.appid;
  const version = record.resources[1];
  return {
    time: record.time,
    resourceId: `/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/ENVELOPE-EMULATOR/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/${record.location.toUpperCase()}`,
    operationName: LOG_OPERATION[record.operation] ?? record.operation,
    ...(typeof detail.apiVersion === 'string' ? { operationVersion: detail.apiVersion } : {}),
    category: 'AuditEvent',
    resultType: record.error ? 'Failure' : 'Success',
    resultSignature: record.error ? record.error.code : 'OK',
    ...(record.error ? { resultDescription: record.error.message } : {}),
    correlationId: record.requestId,
    ...(typeof detail.callerIpAddress === 'string' ? { callerIpAddress: detail.callerIpAddress } : {}),
    identity: { claim },
    properties: {
      ...((version ?? record.resources[0]) ? { id: version ?? record.resources[0] } : {}),
      httpStatusCode: status,
      ...(typeof detail.clientInfo === 'string' ? { clientInfo: detail.clientInfo } : {}),
      requestParameters: structuredClone(record.parameters),
    },
  };
}
