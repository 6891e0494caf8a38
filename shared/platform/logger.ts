// Structured JSON lines in the shape Cloud Logging understands: severity, message, trace correlation.
// Values under secret-looking keys are redacted, however deep they sit.

export type Severity = "DEBUG" | "INFO" | "WARNING" | "ERROR";
const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

const SECRET_KEY =
  /(token|secret|password|passwd|authorization|cookie|private.?key|api.?key|assertion|samlresponse|code_verifier|refresh)/i;
export const REDACTED = "[redacted]";

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return errorFields(value, depth);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

/** An error as logged: name, message, its stable code if any, and its cause chain (bounded). */
function errorFields(error: Error, depth: number): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") fields.code = code;
  if (error.cause !== undefined && depth < 8)
    fields.cause =
      error.cause instanceof Error ? errorFields(error.cause, depth + 1) : redact(error.cause, depth + 1);
  return fields;
}

/** Error Reporting groups log lines of this type, with the stack in stack_trace (its first choice). */
export const REPORTED_ERROR_TYPE =
  "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent";

/** The stacks of an error and its causes, as Node prints them ("Caused by:" between). */
function stackOf(error: Error): string {
  const stacks: string[] = [];
  for (let e: unknown = error; e instanceof Error && stacks.length < 8; e = e.cause)
    stacks.push(e.stack ?? `${e.name}: ${e.message}`);
  return stacks.join("\nCaused by: ");
}

/** What an ERROR line adds so Error Reporting captures and groups it. */
function errorReporting(fields: Record<string, unknown>): Record<string, unknown> {
  const error = Object.values(fields).find((v): v is Error => v instanceof Error);
  return {
    "@type": REPORTED_ERROR_TYPE,
    serviceContext: { service: process.env.K_SERVICE ?? process.env.FUNCTION_TARGET ?? "switchboard" },
    ...(error ? { stack_trace: stackOf(error) } : {}),
  };
}

export interface TraceContext {
  traceId: string;
  spanId?: string;
  sampled?: boolean;
}

/** W3C traceparent first, then Google's legacy X-Cloud-Trace-Context. */
export function traceFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): TraceContext | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const traceparent = first(headers.traceparent);
  const w3c = traceparent?.match(/^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/);
  if (w3c?.[1] && w3c[2] && w3c[3]) {
    return { traceId: w3c[1], spanId: w3c[2], sampled: (Number.parseInt(w3c[3], 16) & 1) === 1 };
  }
  const legacy = first(headers["x-cloud-trace-context"])?.match(/^([\da-f]{32})(?:\/(\d+))?(?:;o=([01]))?/);
  if (legacy?.[1]) {
    const ctx: TraceContext = { traceId: legacy[1] };
    if (legacy[2]) ctx.spanId = BigInt(legacy[2]).toString(16).padStart(16, "0");
    if (legacy[3]) ctx.sampled = legacy[3] === "1";
    return ctx;
  }
  return undefined;
}

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  withTrace(trace: TraceContext | undefined): Logger;
}

export interface LoggerOptions {
  level?: Severity;
  projectId?: string;
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const level = options.level ?? "INFO";
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (severity: Severity, event: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[severity] < ORDER[level]) return;
    const entry = {
      severity,
      message: event,
      event,
      time: new Date().toISOString(),
      ...(redact({ ...base, ...fields }) as object),
      ...(severity === "ERROR" ? errorReporting(fields) : {}),
    };
    write(JSON.stringify(entry));
  };
  return {
    debug: (e, f) => emit("DEBUG", e, f),
    info: (e, f) => emit("INFO", e, f),
    warn: (e, f) => emit("WARNING", e, f),
    error: (e, f) => emit("ERROR", e, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
    withTrace: (trace) => {
      if (!trace) return createLogger(options, base);
      const project = options.projectId ?? process.env.GOOGLE_CLOUD_PROJECT ?? "local";
      const fields: Record<string, unknown> = {
        "logging.googleapis.com/trace": `projects/${project}/traces/${trace.traceId}`,
      };
      if (trace.spanId) fields["logging.googleapis.com/spanId"] = trace.spanId;
      if (trace.sampled !== undefined) fields["logging.googleapis.com/trace_sampled"] = trace.sampled;
      return createLogger(options, { ...base, ...fields });
    },
  };
}

let root: Logger | undefined;
/** The process logger; its level comes from LOG_LEVEL, read on first use. */
export const logger = (): Logger => {
  root ??= createLogger({ level: (process.env.LOG_LEVEL as Severity | undefined) ?? "INFO" });
  return root;
};
