// Applies a Drive seed: explicit files, then the demo set (shared docs between colleagues and with
// the users' contacts, edited over the last weeks relative to the sim clock).
import type { Org, SimState } from "../state";
import { type DriveControl, driveControl, type ShareInput } from "./control";
import { type DriveSeed, DriveSeedSchema } from "./seed-schema";

export function applyDriveSeed(state: SimState, org: Org, input: DriveSeed): number {
  const seed = DriveSeedSchema.parse(input);
  const control = driveControl(state);
  for (const f of seed.files) {
    const { shares, ...rest } = f;
    control.createFile({
      ...(rest as Parameters<DriveControl["createFile"]>[0]),
      shares: shares as ShareInput[],
    });
  }
  return seed.files.length + (seed.demo ? generateDemoFiles(state, org) : 0);
}

const TITLES: Array<[string, string]> = [
  ["doc", "Account plan"],
  ["sheet", "Pipeline"],
  ["slides", "Quarterly business review"],
  ["pdf", "Signed contract"],
  ["doc", "Meeting notes"],
  ["sheet", "Support rota"],
];

export function generateDemoFiles(state: SimState, org: Org): number {
  const control = driveControl(state);
  const users = [...org.directory.users.values()]
    .filter((u) => u.deletionTime === undefined && !u.suspended)
    .sort((a, b) => (a.primaryEmail < b.primaryEmail ? -1 : 1));
  const now = state.now();
  const DAY = 86_400_000;
  let n = 0;
  users.forEach((u, i) => {
    const colleague = users[(i + 1) % users.length];
    const contacts = [...state.contactsOf(u.id).live()]
      .flatMap((c) => (c.data.emailAddresses ?? []).map((e) => String(e.value ?? "")))
      .filter((e) => e.includes("@"));
    TITLES.forEach(([kind, title], j) => {
      const shares: ShareInput[] = [];
      if (colleague && colleague !== u && j % 2 === 0)
        shares.push({
          email: colleague.primaryEmail,
          role: j % 4 === 0 ? "writer" : "reader",
          at: now - (j + 2) * DAY,
        });
      const contact = contacts[Math.floor(j / 3) % Math.max(contacts.length, 1)];
      if (contact && j % 3 === 1) shares.push({ email: contact, role: "commenter", at: now - (j + 1) * DAY });
      if (j === 5) shares.push({ domain: org.domain, role: "reader", allowFileDiscovery: true });
      control.createFile({
        name: `${title} — ${u.givenName}`,
        kind,
        owner: u.primaryEmail,
        createdTime: now - (40 + i + j * 5) * DAY,
        modifiedTime: now - (i + j) * DAY - j * 3_600_000,
        ...(colleague && j % 4 === 0 ? { lastModifyingUser: colleague.primaryEmail } : {}),
        shares,
      });
      n++;
    });
  });
  return n;
}
