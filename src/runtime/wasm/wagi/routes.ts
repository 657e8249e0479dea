/**
 * WAGI route patterns: `/foo` matches exactly, `/foo/...` matches `/foo` and
 * everything under it. A module may declare sub-routes by exporting `_routes`,
 * which prints `<path> <export>` lines; later lines take precedence.
 */

export class RoutePattern {
  private constructor(
    /** The pattern as written: `/...`, `/track/...`, `/hello`. */
    readonly original: string,
    readonly prefix: string | undefined,
    readonly exact: string | undefined,
  ) {}

  static parse(text: string): RoutePattern {
    if (text.endsWith('/...')) return new RoutePattern(text, text.slice(0, -4), undefined);
    return new RoutePattern(text, undefined, text);
  }

  matches(path: string): boolean {
    if (this.exact !== undefined) return path === this.exact;
    const prefix = this.prefix as string;
    return path === prefix || path.startsWith(`${prefix}/`);
  }

  /** CGI SCRIPT_NAME: the matched route without the wildcard, at least `/`. */
  scriptName(): string {
    if (this.exact !== undefined) return this.exact;
    const prefix = this.prefix as string;
    return prefix.startsWith('/') ? prefix : `/${prefix}`;
  }

  /** The raw (still percent-encoded) path after SCRIPT_NAME: X_RAW_PATH_INFO. */
  relativePath(path: string): string {
    const base = this.exact ?? (this.prefix as string);
    return path.startsWith(base) ? path.slice(base.length) : '';
  }

  /** `/base/...` + `/sub` → `/base/sub` (no doubled slash), keeping the sub-route's kind. */
  append(sub: RoutePattern): RoutePattern {
    const base = this.exact ?? (this.prefix as string);
    const left = base.endsWith('/') ? base.slice(0, -1) : base;
    const right = sub.original.startsWith('/') ? sub.original.slice(1) : sub.original;
    return RoutePattern.parse(`${left}/${right}`);
  }
}

export interface Route {
  pattern: RoutePattern;
  entrypoint: string;
}

/**
 * Builds the route table for a module mounted at `base`: `_routes` entries in
 * reverse order (so the last printed wins), then the base route calling `_start`.
 */
export function routeTable(base: RoutePattern, routesOutput: string | undefined): Route[] {
  const dynamic: Route[] = [];
  for (const line of (routesOutput ?? '').split('\n')) {
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) continue;
    const path = parts[0] ?? '/';
    dynamic.push({ pattern: base.append(RoutePattern.parse(path)), entrypoint: parts[1] ?? '_start' });
  }
  dynamic.reverse();
  return [...dynamic, { pattern: base, entrypoint: '_start' }];
}

export function findRoute(table: readonly Route[], path: string): Route | undefined {
  return table.find((r) => r.pattern.matches(path));
}
