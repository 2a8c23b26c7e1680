import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { jsonError } from './errors.js';

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/** Which Host and Origin headers the dashboard answers. */
export interface HostPolicy {
  allowsHost(host: string | null | undefined): boolean;
  allowsOrigin(origin: string | null | undefined): boolean;
}

/**
 * `allowed`: `'*'` accepts any host (behind a proxy that checks it); a list holds `host:port` or bare
 * `host` (any port) entries; by default the loopback names on the port the server listens on (any
 * port while it is unknown, e.g. an app not attached to a server).
 */
export function createHostPolicy(
  allowed: readonly string[] | '*' | undefined,
  port: () => number | null,
): HostPolicy {
  const matches = (host: string): boolean => {
    const { name, port: hostPort } = splitHost(host.toLowerCase());
    if (allowed === '*') return true;
    if (allowed === undefined) {
      const listening = port();
      return LOOPBACK.includes(name) && (listening === null || hostPort === String(listening));
    }
    return allowed.some((entry) => {
      const want = splitHost(entry.toLowerCase());
      return want.name === name && (want.port === null || want.port === hostPort);
    });
  };
  return {
    allowsHost: (host) => typeof host === 'string' && host !== '' && matches(host),
    allowsOrigin(origin) {
      // No Origin: not a cross-site browser request (curl, the CLI, same-origin GET).
      if (origin === null || origin === undefined) return true;
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false;
      }
      return (url.protocol === 'http:' || url.protocol === 'https:') && matches(url.host);
    },
  };
}

function splitHost(host: string): { name: string; port: string | null } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  return match ? { name: match[1] ?? '', port: match[2] ?? null } : { name: host, port: null };
}

/** 403 unless the request's Host is allowed: a DNS-rebinding page cannot reach the dashboard. */
export function hostCheck(policy: HostPolicy): MiddlewareHandler {
  return async function hostCheck(c, next) {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!policy.allowsHost(host)) {
      return jsonError(
        c,
        403,
        'CONDUCTOR_HOST',
        `host ${JSON.stringify(host)} is not allowed; open the dashboard at the URL it printed, or set allowedHosts`,
      );
    }
    await next();
  };
}

/** 403 for a request sent by a page of another origin. */
export function originCheck(policy: HostPolicy): MiddlewareHandler {
  return async function originCheck(c, next) {
    const origin = c.req.header('origin');
    if (!policy.allowsOrigin(origin)) {
      return jsonError(
        c,
        403,
        'CONDUCTOR_ORIGIN',
        `origin ${JSON.stringify(origin)} may not use this dashboard`,
      );
    }
    await next();
  };
}

/** The per-run secret, 32 random bytes in base64url. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The token of a request: `Authorization: Bearer <token>`, else `?token=`. */
export function tokenOf(authorization: string | null | undefined, url: URL): string | null {
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return bearer?.[1] ?? url.searchParams.get('token');
}

/** Compares in constant time (digests have equal length whatever the input). */
export function tokenMatches(expected: string, given: string | null): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** 401 unless the request carries the run's token (`null`: no token required). */
export function tokenAuth(token: string | null): MiddlewareHandler {
  return async function tokenAuth(c, next) {
    if (token !== null && !tokenMatches(token, tokenOf(c.req.header('authorization'), new URL(c.req.url)))) {
      return jsonError(
        c,
        401,
        'CONDUCTOR_TOKEN',
        'missing or wrong token: open the URL the dashboard printed (it carries ?token=), or send Authorization: Bearer <token>',
      );
    }
    await next();
  };
}

/** No sniffing, no framing, and no Referer: URLs may carry the token. */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
  };
}

/** Largest request body the API takes (gate answers, dialog messages, run actions). */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The guards of every dashboard server, in order: security headers and the Host/Origin checks on
 * everything; on `/api/*`, the token, `Cache-Control: no-store` and the body limit.
 */
export function guard(app: Hono, policy: HostPolicy, token: string | null): void {
  app.use('*', securityHeaders(), hostCheck(policy), originCheck(policy));
  app.use('/api/*', tokenAuth(token), async function noStore(c, next) {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => jsonError(c, 413, 'CONDUCTOR_BAD_REQUEST', 'the body is larger than 64 KB'),
    }),
  );
}
