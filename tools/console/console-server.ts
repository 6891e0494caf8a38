// Serves the local console (clients/console) on loopback: the page, its bundle (built once at start with
// esbuild, minified), /config.json naming the stack's URLs and the demo people, and the simulator's
// control API under /_sim/ (same origin, so the "act as Google" panel needs no CORS at the simulator).
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { build } from "esbuild";
import { ROOT } from "../build/build";

const CONSOLE_DIR = join(ROOT, "clients", "console");

export interface ConsoleServerOptions {
  port: number;
  /** What the page reads at /config.json (clients/console/src/config.ts). */
  config: Record<string, unknown>;
  simUrl: string | undefined;
}

export interface RunningConsole {
  url: string;
  /** Bytes of the minified script, and of page + style + script together. */
  bundleBytes: { script: number; total: number };
  stop(): Promise<void>;
}

/** The console's script: one minified ES module for current browsers. */
export async function bundleConsole(): Promise<string> {
  const result = await build({
    entryPoints: [join(CONSOLE_DIR, "src", "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

async function proxyToSim(simUrl: string, req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const upstream = await fetch(`${simUrl}${req.url}`, {
    method: req.method ?? "GET",
    headers: { "content-type": req.headers["content-type"] ?? "application/json" },
    ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
  });
  res.writeHead(upstream.status, {
    "content-type": upstream.headers.get("content-type") ?? "application/json",
  });
  res.end(Buffer.from(await upstream.arrayBuffer()));
}

export async function startConsoleServer(o: ConsoleServerOptions): Promise<RunningConsole> {
  const [html, css, script] = await Promise.all([
    readFile(join(CONSOLE_DIR, "index.html"), "utf8"),
    readFile(join(CONSOLE_DIR, "console.css"), "utf8"),
    bundleConsole(),
  ]);
  const files: Record<string, [string, string]> = {
    "/": ["text/html; charset=utf-8", html],
    "/index.html": ["text/html; charset=utf-8", html],
    "/console.css": ["text/css; charset=utf-8", css],
    "/app.js": ["text/javascript; charset=utf-8", script],
    "/config.json": ["application/json", JSON.stringify(o.config)],
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://console").pathname;
    if (path.startsWith("/_sim/") && o.simUrl) {
      proxyToSim(o.simUrl, req, res).catch(() => {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "the simulator did not answer" } }));
      });
      return;
    }
    if (path === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const file = files[path];
    if (!file || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("Not found");
      return;
    }
    res.writeHead(200, {
      "content-type": file[0],
      "cache-control": "no-store",
      "content-security-policy":
        "default-src 'self'; connect-src 'self' http://127.0.0.1:* http://localhost:*; form-action 'self' http://127.0.0.1:* http://localhost:*",
      "x-content-type-options": "nosniff",
    });
    res.end(req.method === "HEAD" ? undefined : file[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://localhost:${o.port}`,
    bundleBytes: {
      script: Buffer.byteLength(script),
      total: Buffer.byteLength(script) + Buffer.byteLength(html) + Buffer.byteLength(css),
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
