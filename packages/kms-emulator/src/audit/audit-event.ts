import { randomUUID } from 'node:crypto';
import type { AuditEvent, KeyRecord, RequestContext } from '../engine/types.js';
import { KmsError } from '../errors.js';

/** Members that carry plaintext, ciphertext, signatures or secrets: never written to the audit log. */
const REDACTED = new Set([
  'Plaintext',
  'CiphertextBlob',
  'Message',
  'Signature',
  'Mac',
  'GrantToken',
  'GrantTokens',
  'PrivateKeyPlaintext',
  'Recipient',
]);

/**
 * Largest member an audit event records, as JSON text. Valid members are far smaller (a key policy,
 * the largest, is at most 32768 characters); only a refused call can carry a bigger one, and its
 * event notes the size instead, so failed calls cannot grow the log by a megabyte each.
 */
export const MAX_AUDITED_MEMBER_CHARACTERS = 40_000;

/** CloudTrail's camelCase parameters, with every blob and secret member removed. */
export function auditParameters(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(input)) {
    if (REDACTED.has(member) || value instanceof Uint8Array) continue;
    const size = JSON.stringify(value)?.length ?? 0;
    out[member.charAt(0).toLowerCase() + member.slice(1)] =
      size > MAX_AUDITED_MEMBER_CHARACTERS
        ? `(omitted from the audit log: ${size} characters, over the ${MAX_AUDITED_MEMBER_CHARACTERS}-character limit)`
        : value;
  }
  return out;
}

export interface AuditOutcome {
  operation: string;
  ctx: RequestContext;
  requestId: string;
  time: Date;
  input: Readonly<Record<string, unknown>>;
  keys: readonly KeyRecord[];
  error?: unknown;
}

export function auditEvent(o: AuditOutcome): AuditEvent {
  const seen = new Set<string>();
  const resources = o.keys
    .filter((k) => !seen.has(k.arn) && seen.add(k.arn))
    .map((k) => ({ ARN: k.arn, accountId: k.accountId, type: 'AWS::KMS::Key' as const }));
  const event: AuditEvent = {
    eventVersion: '1.08',
    eventTime: o.time.toISOString(),
    eventSource: 'kms.amazonaws.com',
    eventName: o.operation,
    awsRegion: o.ctx.region,
    requestID: o.requestId,
    eventID: randomUUID(),
    userIdentity: {
      type: o.ctx.principal.endsWith(':root') ? 'Root' : 'IAMUser',
      arn: o.ctx.principal,
      accountId: o.ctx.accountId,
    },
    requestParameters: auditParameters(o.input),
    responseElements: null,
    resources,
  };
  if (o.keys[0]) event.keyId = o.keys[0].keyId;
  if (o.error !== undefined) {
    event.errorCode = o.error instanceof KmsError ? o.error.exceptionName : 'KMSInternalException';
    event.errorMessage = o.error instanceof KmsError ? o.error.message : 'Internal error';
  }
  return event;
}
