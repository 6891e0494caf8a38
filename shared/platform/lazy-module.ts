// Heavy packages a function needs only for some requests (Google's per-API clients: 30–200 ms each to
// import, the first bringing googleapis-common and gaxios; node-saml: about 70 ms) load on first use
// rather than at the function's import, so a cold start that serves no such request (most API routes,
// every health check) never pays for them. Figures: `npm run bench -- functions` (import_time).
export function loadOnFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined; // a failed load is tried again on the next use
      throw error;
    }));
}
