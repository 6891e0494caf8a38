// The local console in a real browser (headless Chromium): the stack as `npm start` runs it, a person
// signs in through the simulated Google, sees their contacts synced, looks up a caller, connects
// Calendar, watches their presence flip when a meeting starts in Google, opens a contact's sidebar; an
// admin previews provisioning and sees integration health; a second person signs in with SAML. Each step
// leaves a screenshot in .local/test-artifacts/console/.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, startStack } from "../stack/stack";
import { useEmulators } from "../testing/emulator-env";
import { launchChromium } from "./browser";

const ARTIFACTS = join(import.meta.dirname, "..", "..", ".local", "test-artifacts", "console");
const emulators = useEmulators("console");
let stack: RunningStack;
let browser: Browser;
let page: Page;

/**
 * Acting as Google (the simulator's control API): the demo week may have the person in a meeting at any
 * hour, so their calendar is emptied first (events they organise cancelled, the others declined).
 */
async function clearCalendar(email: string) {
  const base = `${stack.services["workspace-sim"]}/_sim/calendar/users/${encodeURIComponent(email)}/events`;
  const events = (await (await fetch(base)).json()) as Array<{ id: string }>;
  for (const e of events) {
    const cancelled = await fetch(`${base}/${e.id}/cancel`, { method: "POST" });
    if (!cancelled.ok)
      await fetch(`${base}/${e.id}/respond`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ responseStatus: "declined" }),
      });
  }
}

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startStack({
    projectId: emulators.projectId,
    emulators,
    localDir: await mkdtemp(join(tmpdir(), "sb-console-")),
    build: false,
    stablePorts: false,
    scheduler: false,
    log: () => {},
  });
  browser = await launchChromium();
  page = await browser.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("local console in Chromium", () => {
  it("signs the admin in with Google and shows their contacts, synced at sign-in", async () => {
    await page.goto(stack.services.console!);
    await page.getByRole("table", { name: "Demo people" }).waitFor();
    await shot("01-sign-in");
    await page.getByRole("button", { name: "Google sign-in as amelia.hughes@northwind.example" }).click();
    await page
      .locator("#who")
      .getByText("amelia.hughes@northwind.example", { exact: false })
      .or(page.locator("#who").getByText("Amelia", { exact: false }))
      .first()
      .waitFor();
    // Contact sync started at sign-in: reload until Google's contacts are here.
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Reload" }).click();
          return page.getByRole("table", { name: "Contacts" }).getByText("Oliver Grant").count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    await shot("02-contacts");
  }, 120_000);

  it("names a caller from their number in any format", async () => {
    await page.getByLabel("Incoming number").fill("020 7946 0958");
    await page.getByRole("button", { name: "Look up" }).click();
    await expect.poll(() => page.locator("#caller-id").textContent()).toContain("James O'Connor");
    await shot("03-caller-id");
  });

  it("connects Calendar through Google's consent, and presence flips when a meeting starts in Google", async () => {
    await clearCalendar("amelia.hughes@northwind.example");
    await page.getByRole("link", { name: "Integrations" }).click();
    await page.getByRole("button", { name: "Connect calendar" }).click();
    await page.getByRole("status").getByText("calendar: connected").waitFor({ timeout: 30_000 });
    await page.getByRole("link", { name: "Presence" }).click();
    const mine = page.locator(`[data-user]`).first();
    await mine.waitFor();
    await expect.poll(() => mine.textContent(), { timeout: 30_000 }).toBe("available");
    await shot("04-presence-available");
    await page.getByRole("link", { name: "Act as Google" }).click();
    await page.getByRole("button", { name: "Start a 30-minute meeting" }).click();
    await page.getByRole("button", { name: /Add meeting details to/ }).waitFor();
    await page.getByRole("button", { name: /Add meeting details to/ }).click();
    await page.getByRole("status").getByText("Meeting details added").waitFor({ timeout: 30_000 });
    await shot("05-meeting-details");
    await page.getByRole("link", { name: "Presence" }).click();
    // The meeting started in Google shows on the board: in a meeting, titled as in the calendar.
    const row = page.getByRole("table", { name: "Presence" }).getByRole("row", { name: /amelia\.hughes/ });
    await expect
      .poll(() => row.textContent(), { timeout: 60_000, interval: 1000 })
      .toMatch(/in_meeting.*Console meeting/);
    await shot("06-presence-in-meeting");
  }, 150_000);

  it("opens a contact's sidebar: shared mail, documents and events", async () => {
    await page.getByRole("link", { name: "Sidebar" }).click();
    await page.getByLabel("Their email").fill("rafael.costa@northwind.example");
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("heading", { name: "Shared emails" }).waitFor({ timeout: 30_000 });
    await shot("07-sidebar");
  }, 60_000);

  it("shows the admin the setup checklist, a provisioning preview and integration health", async () => {
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("table", { name: "Setup steps" }).waitFor();
    await page.getByRole("button", { name: /Connect with domain-wide delegation/ }).click();
    await page.getByRole("status").getByText("Directory connected").waitFor();
    await page.getByRole("button", { name: "Save rules" }).click();
    await page.getByRole("status").getByText("Provisioning rules saved").waitFor();
    // The directory's first sync runs in the background: preview until it has the directory.
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Preview changes" }).click();
          return page
            .getByRole("table", { name: "Provisioning changes" })
            .or(page.getByText("Nothing to change"))
            .count();
        },
        { timeout: 60_000, interval: 2000 },
      )
      .toBeGreaterThan(0);
    await shot("08-provisioning-preview");
    const health = page.getByRole("table", { name: "Integration health" });
    await expect(health.getByRole("row", { name: /^contacts 1/ }).count()).resolves.toBe(1);
    await shot("09-admin");
  }, 60_000);

  it("signs another person in with SAML through the simulated Google", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "SAML sign-in as rafael.costa@northwind.example" }).click();
    await page.locator("#who").getByText("(user, northwind)", { exact: false }).waitFor({ timeout: 30_000 });
    await shot("10-saml-signed-in");
  }, 60_000);
});
