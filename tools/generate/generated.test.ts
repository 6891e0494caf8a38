// Generated files stay equal to their sources of truth: a schema, manifest or variable change without
// `npm run generate` fails here, naming the file.
import { describe, expect, it } from "vitest";
import { ARTIFACTS, applyArtifact, readCurrent } from "./artifacts";

describe("generated files", () => {
  for (const artifact of ARTIFACTS)
    it(`${artifact.path}${artifact.section ? ` (${artifact.section})` : ""} is up to date (npm run generate)`, async () => {
      const current = readCurrent(artifact.path);
      expect(current, `${artifact.path} is missing`).toBeDefined();
      expect(current, "run npm run generate").toBe(await applyArtifact(artifact, current));
    });
});
