// Serves a route table under the real Functions Framework (its Express stack and body parsing) on a
// loopback port, so route tests go through real HTTP without bundling a whole function.
import type { AddressInfo } from "node:net";
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type { createHttpHandler } from "../../shared/platform/http";
import { replyJsonOnBodyParseErrors } from "../../shared/platform/http-parse-errors";

let served = 0;

// biome-ignore lint/suspicious/noExplicitAny: tests assert response bodies field by field
type JsonBody = any;

export interface HandlerServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** One request; a body is sent as JSON. */
  call(
    method: string,
    path: string,
    headers?: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; body: JsonBody }>;
  close(): Promise<void>;
}

export async function serveHandler(handler: ReturnType<typeof createHttpHandler>): Promise<HandlerServer> {
  replyJsonOnBodyParseErrors();
  const name = `test-handler-${++served}`;
  http(name, handler);
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    async call(method, path, headers = {}, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
