import { describe, expect, it } from "vitest";
import type { DirectoryServices } from "../directory/directory-services";
import { INTEGRATION_NAMES } from "../identity/integrations";
import { integrationTeardowns } from "./integration-teardowns";

describe("integrationTeardowns", () => {
  const teardowns = integrationTeardowns(
    () => {
      throw new Error("not used");
    },
    () => ({}) as DirectoryServices,
  );
  const stops = (integration: string) =>
    teardowns.filter((t) => (t.integrations as readonly string[]).includes(integration)).map((t) => t.name);

  it("stops every integration's background work, for disconnect and for offboarding alike", () => {
    expect(stops("calendar")).toEqual(expect.arrayContaining(["calendar watch channels", "calendar events"]));
    expect(stops("contacts")).toContain("contact sync cursors and company contacts");
    expect(stops("directory")).toContain("directory watch channels");
    expect(stops("gmail").length).toBeGreaterThan(0);
    expect(stops("drive").length).toBeGreaterThan(0);
  });

  it("names only integrations that exist", () => {
    for (const t of teardowns) for (const i of t.integrations) expect(INTEGRATION_NAMES).toContain(i);
  });
});
