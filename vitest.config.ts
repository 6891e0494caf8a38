import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{shared,functions,tools,terraform,bench}/**/*.test.ts", "*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/.local/**"],
    globalSetup: ["tools/testing/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A failing assertion in CI must point at the behaviour, not at a timeout of another file.
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
