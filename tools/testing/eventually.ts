// Waiting for an asynchronous outcome (a push delivered, a document written) without fixed sleeps.

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Collects a function process's JSON log lines (non-JSON lines kept as text) for assertions. */
export function jsonLogCollector() {
  const logs: Array<Record<string, unknown>> = [];
  const output = (line: string) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ text: line });
    }
  };
  return { logs, output };
}
