import { isIP } from 'node:net';

/**
 * DNS-rebinding defence: a browser page on `evil.example` whose name an attacker re-points at
 * 127.0.0.1 sends `Host: evil.example`. Only names that really mean this server are accepted: IP
 * literals (a rebinding page never has one as its origin), `localhost`, the listen address, and
 * names the operator configured (`allowedHosts`, `--allow-host`).
 */
export class HostAllowList {
  readonly #names: ReadonlySet<string>;
  /** Host header values already found to name this server (the names never change). */
  readonly #accepted = new Set<string>();

  constructor(listenHost: string, extra: readonly string[] = []) {
    this.#names = new Set(['localhost', listenHost, ...extra].map((name) => name.toLowerCase()));
  }

  /** The names accepted besides IP literals, for error messages. */
  get names(): readonly string[] {
    return [...this.#names];
  }

  /** True when a `Host` header value (`name[:port]`, `[v6]:port`) names this server. */
  allowsHost(host: string | undefined): boolean {
    if (!host) return false;
    // Clients send the same Host on every request: remember the values already accepted (bounded).
    if (this.#accepted.has(host)) return true;
    const name = hostname(host);
    const allowed = name !== undefined && (isIP(name) !== 0 || this.#names.has(name));
    if (allowed && this.#accepted.size < 64) this.#accepted.add(host);
    return allowed;
  }

  /** True when an `Origin` header value (`scheme://host[:port]`) is this server itself. */
  allowsOrigin(origin: string): boolean {
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && this.allowsHost(url.host);
    } catch {
      return false; // `null` (opaque origins: sandboxed frames, file://) and garbage
    }
  }
}

function hostname(host: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(host.trim());
  return (m?.[1] ?? m?.[2])?.toLowerCase();
}

/** True for 127.0.0.0/8, ::1 and `localhost`: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
