import { EnvelopeError } from '@envelope/core';
import type { AuditLogEntry, AuditLogPage, FaultSpec, ListedFault } from '@envelope/kms-server';

/** The admin API answered with an error (or not at all): `status` is its HTTP status, 0 when none. */
export class EmulatorAdminError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_EMULATOR_ADMIN_FAILED';

  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Which audit records `audit()` returns; every given field must match (docs/kms-server.md). */
export interface EmulatorAuditQuery {
  /** Only records at or after this time. */
  readonly since?: Date;
  /** Only records before this time. */
  readonly until?: Date;
  /** A resource the call acted on: key id, key ARN, GCP resource name or its last segment, Azure key name. */
  readonly key?: string;
  /** The cloud's operation name (`Decrypt`, `Encrypt`, `wrapKey`). */
  readonly operation?: string;
  readonly cloud?: 'aws' | 'gcp' | 'azure';
  /** AWS Region, GCP location (`projects/p/locations/l`) or Azure vault name. */
  readonly location?: string;
  /** Records per page, 1–1000 (default 100). */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly next?: string;
}

export interface EmulatorAdminOptions {
  /** Fixed headers added to every request. The client does not sign: SigV4-guarded servers refuse it. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A typed client for an emulator server's admin API (`envelope kms serve`, `createKmsServer`):
 * reset, audit log, faults and metrics over HTTP. `url` is any of the server's HTTP listeners,
 * usually its AWS endpoint. Every failure is an `EmulatorAdminError` carrying the server's message.
 */
export class EmulatorAdmin {
  readonly url: string;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(url: string, options: EmulatorAdminOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.#headers = options.headers ?? {};
  }

  /** Back to the server's start state: its seed and start faults, nothing else (every cloud). */
  async reset(): Promise<void> {
    await this.#call('POST', '/_envelope/reset', {});
  }

  /** One page of the audit log, oldest first, each record in its cloud's format. */
  async audit(query: EmulatorAuditQuery = {}): Promise<AuditLogPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, value instanceof Date ? value.toISOString() : String(value));
    }
    const search = params.toString() ? `?${params}` : '';
    return (await this.#call('GET', `/_envelope/audit${search}`)) as AuditLogPage;
  }

  /** Every matching audit record, following `next` page after page. */
  async auditAll(query: Omit<EmulatorAuditQuery, 'next'> = {}): Promise<AuditLogEntry[]> {
    const entries: AuditLogEntry[] = [];
    let next: string | undefined;
    do {
      const page = await this.audit({ limit: 1000, ...query, ...(next !== undefined ? { next } : {}) });
      entries.push(...page.events);
      next = page.next;
    } while (next !== undefined);
    return entries;
  }

  readonly faults = {
    /** The faults in force, every cloud, oldest first. */
    list: async (): Promise<ListedFault[]> =>
      ((await this.#call('GET', '/_envelope/faults')) as { faults: ListedFault[] }).faults,
    /** Injects a fault; answers its id (undefined for `up`, `regionUp` and `clear`, which remove faults). */
    inject: async (spec: FaultSpec): Promise<number | undefined> =>
      ((await this.#call('POST', '/_envelope/faults', spec)) as { id?: number }).id,
    /** Removes the fault `id`, or every fault; answers how many were removed. */
    clear: async (id?: number): Promise<number> =>
      (
        (await this.#call('DELETE', `/_envelope/faults${id === undefined ? '' : `/${id}`}`)) as {
          removed: number;
        }
      ).removed,
  };

  /** The Prometheus text exposition of `GET /metrics`. */
  async metrics(): Promise<string> {
    return this.#request('GET', '/metrics');
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    return JSON.parse(await this.#request(method, path, body));
  }

  async #request(method: string, path: string, body?: unknown): Promise<string> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...this.#headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (cause) {
      throw new EmulatorAdminError(
        0,
        `${method} ${this.url}${path} failed: is the emulator server running?`,
        {
          cause,
        },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let detail = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; __type?: unknown };
        detail = String(parsed.error ?? parsed.message ?? parsed.__type ?? detail);
      } catch {}
      throw new EmulatorAdminError(
        response.status,
        `${method} ${path} answered ${response.status}: ${detail}`,
      );
    }
    return text;
  }
}
