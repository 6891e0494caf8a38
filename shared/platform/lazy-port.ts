/**
 * A port whose adapter is built on first use. Route tables are assembled at cold start, before any
 * configuration is read; each adapter (and its client) comes to life only when a request needs it.
 */
export function lazyPort<T extends object>(make: () => T): T {
  let instance: T | undefined;
  return new Proxy({} as T, {
    get: (_, key) => {
      instance ??= make();
      return (instance as Record<string | symbol, unknown>)[key];
    },
  });
}
