// A minimal method + path router. Paths are regular expressions with named groups because Google's
// URLs mix slashes and colon verbs ("/v1/people/c1:updateContact").
import type { IncomingMessage, ServerResponse } from "node:http";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export interface Route<Meta> {
  method: string;
  pattern: RegExp;
  meta: Meta;
}

export interface RouteMatch<Meta> {
  route: Route<Meta>;
  params: Record<string, string>;
}

export class Router<Meta> {
  private readonly routes: Route<Meta>[] = [];

  add(method: string, pattern: RegExp, meta: Meta): this {
    this.routes.push({ method, pattern, meta });
    return this;
  }

  /** Returns the match, or "method-not-allowed" when only the path matched. */
  match(method: string, path: string): RouteMatch<Meta> | "method-not-allowed" | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {}))
        if (v !== undefined) params[k] = decodeURIComponent(v);
      return { route, params };
    }
    return pathMatched ? "method-not-allowed" : undefined;
  }
}
