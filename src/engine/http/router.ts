import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

/** A parsed request as route handlers see it. */
export interface HttpRequest {
  readonly method: string;
  /** Path without the query string, percent-decoded per segment by the router for params only. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Values of `:name` segments of the matched pattern. */
  readonly params: Readonly<Record<string, string>>;
  /** The underlying stream, for handlers that read bodies themselves (volume data). */
  readonly raw: IncomingMessage;
  /** Origin the client used (`http://127.0.0.1:8080`), for absolute URLs such as job locations. */
  readonly origin: string;
}

/** What a handler answers: a JSON value, a plain string, or bytes. */
export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  bytes?: Uint8Array;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse> | HttpResponse;

interface Route {
  method: string;
  segments: string[]; // literal, or ":name"
  handler: Handler;
}

/** Answers a path no route matched (`allowed` lists methods of routes whose path matched). */
export type Fallback = (req: HttpRequest, allowed: string[]) => HttpResponse;

/**
 * A minimal method + path router. Patterns are `/a/:b/c`; literal segments win over parameters regardless of
 * registration order, so `/cdp-task/enable/:uuid` and `/cdp-task/:uuid` coexist.
 */
export class Router {
  private readonly routes: Route[] = [];
  private readonly fallbacks: { prefix: string; fallback: Fallback }[] = [];

  add(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, segments: split(pattern), handler });
  }

  /** Sets how unmatched paths under `prefix` are answered (the longest matching prefix wins). */
  fallback(prefix: string, fallback: Fallback): void {
    this.fallbacks.push({ prefix, fallback });
    this.fallbacks.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Finds the handler for a request; `params` are filled in on a match. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | { allowed: string[] } {
    const segs = split(path);
    let best: { route: Route; params: Record<string, string>; score: number } | undefined;
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segs);
      if (!params) continue;
      allowed.add(route.method);
      if (route.method !== method && !(method === "HEAD" && route.method === "GET")) continue;
      const score = route.segments.filter((s) => !s.startsWith(":")).length;
      if (!best || score > best.score) best = { route, params, score };
    }
    return best ? { handler: best.route.handler, params: best.params } : { allowed: [...allowed] };
  }

  fallbackFor(path: string): Fallback | undefined {
    return this.fallbacks.find((f) => path === f.prefix || path.startsWith(f.prefix.endsWith("/") ? f.prefix : f.prefix + "/"))
      ?.fallback;
  }
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], segs: string[]): Record<string, string> | undefined {
  if (pattern.length !== segs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segs[i]!;
    if (p.startsWith(":")) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(s);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = decoded;
    } else if (p !== s) return undefined;
  }
  return params;
}
