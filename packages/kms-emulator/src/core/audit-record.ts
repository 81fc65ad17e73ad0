/**
 * One call to the emulator as the HSM core records it, whatever the cloud: who called which operation
 * of which service, where, on which resources, and how it ended. Never holds plaintext, ciphertext,
 * signatures or key material: cloud modules pass only redacted parameters. Each cloud renders these
 * records in its own log format (CloudTrail for AWS, Cloud Audit Logs for GCP, Azure Monitor for Azure).
 */
export interface AuditRecord {
  /** Unique id of this record. */
  id: string;
  /** ISO-8601 time the call ended. */
  time: string;
  /** Service model that handled the call: `aws`, `gcp`, `azure`. */
  service: string;
  /** AWS region, GCP location (`projects/p/locations/l`), or Azure vault name. */
  location: string;
  /** The cloud's own operation name (`Decrypt`, `Encrypt`, `unwrapKey`). */
  operation: string;
  /** Request id given to the caller. */
  requestId: string;
  /** The caller as the cloud names it (IAM ARN, service account, object id). */
  principal: string;
  /** Names of the resources the call acted on, the primary one first. */
  resources: string[];
  /** Request parameters with every secret and blob removed. */
  parameters: Record<string, unknown>;
  /** Set when the call failed: the cloud's own error code and message. */
  error?: { code: string; message: string };
  /** Cloud-specific fields its log format needs (e.g. an AWS account id), never secrets. */
  detail?: Record<string, unknown>;
}

export interface AuditQuery {
  /** Only records at or after this time. */
  since?: Date;
  /** Only records before this time. */
  until?: Date;
  service?: string;
  location?: string;
  operation?: string;
  /** Only calls on this resource: an exact resource name, or its last path segment (a key id). */
  resource?: string;
  /** At most this many records (the oldest that match). */
  limit?: number;
  /** Only records appended after this position: keyset pagination (pass the previous page's `next`). */
  after?: number;
}

/** One page of the audit log, oldest first. */
export interface AuditPage {
  records: AuditRecord[];
  /** Set when more records may match: the position to pass as `after` for the next page. */
  next?: number;
}

export interface AuditPruning {
  /** Keep at most this many of the newest records. */
  maxEvents?: number;
  /** Drop records whose time is before this. */
  before?: Date;
}

export function matchesAudit(
  record: Pick<AuditRecord, 'time' | 'service' | 'location' | 'operation' | 'resources'>,
  query: AuditQuery,
): boolean {
  const time = Date.parse(record.time);
  if (query.since && time < query.since.getTime()) return false;
  if (query.until && time >= query.until.getTime()) return false;
  if (query.service !== undefined && record.service !== query.service) return false;
  if (query.location !== undefined && record.location !== query.location) return false;
  if (query.operation !== undefined && record.operation !== query.operation) return false;
  if (query.resource !== undefined) {
    const wanted = query.resource;
    const hit = record.resources.some((name) => name === wanted || lastSegment(name) === wanted);
    if (!hit) return false;
  }
  return true;
}

/** A resource name's last path segment (a key id from a key ARN, a key name from a GCP name). */
export const lastSegment = (name: string): string =>
  name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf(':')) + 1);
