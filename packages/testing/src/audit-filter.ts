import type { AuditEvent } from '@envelope/kms-emulator';

/** Which audit events to return; every given field must match. */
export interface AuditFilter {
  /** Operation name, e.g. `Decrypt`. */
  readonly operation?: string;
  /** Key id or key ARN the call acted on. */
  readonly keyId?: string;
  readonly region?: string;
  /** Only events at or after this time. */
  readonly since?: Date;
  /** `success`: calls that succeeded; `failure`: calls answered with an AWS error (see `errorCode`). */
  readonly outcome?: 'success' | 'failure';
}

export function matchesAudit(event: AuditEvent, filter: AuditFilter): boolean {
  if (filter.since !== undefined && Date.parse(event.eventTime) < filter.since.getTime()) return false;
  if (
    filter.keyId !== undefined &&
    event.keyId !== filter.keyId &&
    !event.resources.some((r) => r.ARN === filter.keyId)
  ) {
    return false;
  }
  if (filter.operation !== undefined && event.eventName !== filter.operation) return false;
  if (filter.region !== undefined && event.awsRegion !== filter.region) return false;
  if (filter.outcome === 'success' && event.errorCode !== undefined) return false;
  if (filter.outcome === 'failure' && event.errorCode === undefined) return false;
  return true;
}
