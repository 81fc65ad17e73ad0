import { type AuditRecord, lastSegment } from '../core/index.js';
import type { AuditEvent } from './types.js';

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

/**
 * CloudTrail's name of each request member (`KeyId` → `keyId`), made once per member name: the
 * engine passes only the members a request shape defines, so this holds a few hundred names at most.
 */
const CAMEL_NAMES = new Map<string, string>();
function camelName(member: string): string {
  let name = CAMEL_NAMES.get(member);
  if (name === undefined) {
    name = member.charAt(0).toLowerCase() + member.slice(1);
    CAMEL_NAMES.set(member, name);
  }
  return name;
}

/** CloudTrail's camelCase parameters, with every blob and secret member removed. */
export function auditParameters(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(input)) {
    if (REDACTED.has(member) || value instanceof Uint8Array) continue;
    // A string's JSON is at most 6 characters per character (\uXXXX) plus quotes: short ones need no
    // serialising to know they fit.
    const size =
      typeof value === 'string' && value.length * 6 + 2 <= MAX_AUDITED_MEMBER_CHARACTERS
        ? 0
        : (JSON.stringify(value)?.length ?? 0);
    out[camelName(member)] =
      size > MAX_AUDITED_MEMBER_CHARACTERS
        ? `(omitted from the audit log: ${size} characters, over the ${MAX_AUDITED_MEMBER_CHARACTERS}-character limit)`
        : value;
  }
  return out;
}

/**
 * The CloudTrail rendering of one core audit record of the AWS service (`service: 'aws'`, location =
 * Region). The record's resources are the key ARNs the call acted on, the primary one first; its
 * `detail.accountId` is the caller's account.
 */
export function cloudTrailEvent(r: AuditRecord): AuditEvent {
  const event: AuditEvent = {
    eventVersion: '1.08',
    eventTime: r.time,
    eventSource: 'kms.amazonaws.com',
    eventName: r.operation,
    awsRegion: r.location,
    requestID: r.requestId,
    eventID: r.id,
    userIdentity: {
      type: r.principal.endsWith(':root') ? 'Root' : 'IAMUser',
      arn: r.principal,
      accountId: typeof r.detail?.accountId === 'string' ? r.detail.accountId : '',
    },
    requestParameters: r.parameters,
    responseElements: null,
    resources: r.resources.map((arn) => ({
      ARN: arn,
      accountId: arn.split(':')[4] ?? '',
      type: 'AWS::KMS::Key' as const,
    })),
  };
  if (r.resources[0]) event.keyId = lastSegment(r.resources[0]);
  if (r.error) {
    event.errorCode = r.error.code;
    event.errorMessage = r.error.message;
  }
  return event;
}
