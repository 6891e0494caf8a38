import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{shared,functions,tools,terraform,bench,docs,clients}/**/*.test.ts", "*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/.local/**"],
    globalSetup: ["tools/testing/global-setup.ts"],
    pool: "forks",
    // Never probe the GCE metadata server (a link-local address): everything here is loopback.
    env: { METADATA_SERVER_DETECTION: "none" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
