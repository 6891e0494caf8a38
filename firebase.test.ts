// firebase.json names the Firestore rules and indexes the project deploys (Terraform reads the same index
// file), and the rules give client SDKs nothing: the backend uses server SDKs only.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const firebase = JSON.parse(readFileSync("firebase.json", "utf8")) as {
  firestore: { rules: string; indexes: string };
  emulators: Record<string, { host?: string; port?: number }>;
};

describe("firebase.json", () => {
  it("names rules and index files that exist", () => {
    expect(existsSync(firebase.firestore.rules)).toBe(true);
    const indexes = JSON.parse(readFileSync(firebase.firestore.indexes, "utf8")) as { indexes: unknown[] };
    expect(indexes.indexes.length).toBeGreaterThan(0);
  });

  it("denies every client read and write, and grants nothing anywhere", () => {
    const rules = readFileSync(firebase.firestore.rules, "utf8");
    expect(rules).toMatch(/match \/\{document=\*\*\}\s*\{\s*allow read, write: if false;/);
    expect(rules).not.toMatch(/if true|allow [a-z, ]+;/);
  });

  it("keeps the emulators on loopback", () => {
    for (const name of ["firestore", "pubsub"]) expect(firebase.emulators[name]?.host).toBe("127.0.0.1");
  });
});
