// The trace a request or message belongs to, carried through async work, so a message published while
// handling it names the same trace (attribute `traceparent`, W3C form) and the event function that
// receives it logs under that trace: one trace from the HTTP request through Pub/Sub to the worker.
import { AsyncLocalStorage } from "node:async_hooks";
import { type TraceContext, traceFromHeaders } from "./logger";

const storage = new AsyncLocalStorage<TraceContext | undefined>();

/** Runs fn with this trace as the current one (undefined: none). */
export const withTraceContext = <T>(trace: TraceContext | undefined, fn: () => T): T =>
  storage.run(trace, fn);

export const currentTrace = (): TraceContext | undefined => storage.getStore();

/** The Pub/Sub attribute that carries a trace: W3C traceparent. */
export const TRACE_ATTRIBUTE = "traceparent";

export function traceAttributes(trace: TraceContext | undefined): Record<string, string> {
  if (!trace) return {};
  const span = trace.spanId ?? "0000000000000001";
  return { [TRACE_ATTRIBUTE]: `00-${trace.traceId}-${span}-${trace.sampled ? "01" : "00"}` };
}

export const traceFromAttributes = (attributes: Record<string, string> | undefined) =>
  traceFromHeaders({ traceparent: attributes?.[TRACE_ATTRIBUTE] });

/** An HTTP handler run under the trace of its request's headers (traceparent or X-Cloud-Trace-Context). */
export const tracedHttp =
  <Req extends { headers: Record<string, string | string[] | undefined> }, Res, R>(
    handler: (req: Req, res: Res) => R,
  ) =>
  (req: Req, res: Res): R =>
    withTraceContext(traceFromHeaders(req.headers), () => handler(req, res));
