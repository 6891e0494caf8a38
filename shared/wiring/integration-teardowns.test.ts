import { describe, expect, it } from "vitest";
import { INTEGRATION_NAMES } from "../identity/integrations";
import { integrationTeardowns } from "./integration-teardowns";
import { processGraph } from "./process-graph";

describe("integrationTeardowns", () => {
  const unused = () => {
    throw new Error("not used");
  };
  const teardowns = integrationTeardowns(
    processGraph({ firestore: unused, secrets: unused, publisher: unused, config: unused, clock: unused }),
  );
  const stops = (integration: string) =>
    teardowns.filter((t) => (t.integrations as readonly string[]).includes(integration)).map((t) => t.name);

  it("stops every integration's background work, for disconnect and for offboarding alike", () => {
    expect(stops("calendar")).toEqual(expect.arrayContaining(["calendar watch channels", "calendar events"]));
    expect(stops("contacts")).toContain("contact sync cursors, company contacts and schedule");
    expect(stops("directory")).toContain("directory watch channels");
    expect(stops("gmail").length).toBeGreaterThan(0);
    expect(stops("drive").length).toBeGreaterThan(0);
  });

  it("forgets every integration's sync cursors", () => {
    for (const i of INTEGRATION_NAMES) expect(stops(i)).toContain("sync cursors");
  });

  it("names only integrations that exist", () => {
    for (const t of teardowns) for (const i of t.integrations) expect(INTEGRATION_NAMES).toContain(i);
  });
});
