// The integrations a user connects one by one (incremental consent). Each asks Google only for the
// scopes it needs, plus `openid email` so the callback can tell which Google account consented.
import { z } from "zod";

const G = "https://www.googleapis.com/auth/";

/** Asked on every consent: the id_token's verified email ties the Google account to the signed-in user. */
export const IDENTITY_SCOPES = ["openid", `${G}userinfo.email`] as const;

export const INTEGRATION_NAMES = [
  "contacts",
  "calendar",
  "gmail",
  "drive",
  "directory",
  "directory-writeback",
] as const;
export const IntegrationName = z.enum(INTEGRATION_NAMES);
export type IntegrationName = z.infer<typeof IntegrationName>;

export interface Integration {
  name: IntegrationName;
  /** Scopes that must all be granted for the integration to work (identity scopes excluded). */
  scopes: readonly string[];
  /** Only an org admin may connect it (its data is the whole organisation's). */
  adminOnly: boolean;
  /** Why these scopes, for the consent UI and for reviewers. */
  purpose: string;
}

export const INTEGRATIONS: Readonly<Record<IntegrationName, Integration>> = {
  contacts: {
    name: "contacts",
    // Two-way sync writes contacts, so the read-only scope is not enough; directory.readonly lets any
    // user (not only admins) list colleagues as company contacts (people.listDirectoryPeople).
    scopes: [`${G}contacts`, `${G}directory.readonly`],
    adminOnly: false,
    purpose: "Two-way sync of your Google Contacts, colleagues as company contacts, and caller-ID lookup",
  },
  calendar: {
    name: "calendar",
    // events: read for presence (list, sync tokens, watch) and write conferenceData for meeting details;
    // calendarlist.readonly: which calendars the user has, for presence across more than `primary`.
    scopes: [`${G}calendar.events`, `${G}calendar.calendarlist.readonly`],
    adminOnly: false,
    purpose: "Presence from your calendar and dial-in details on your meetings",
  },
  gmail: {
    name: "gmail",
    // gmail.metadata would be enough for subject and date, but it forbids `q`, and the sidebar must
    // search `from:x OR to:x` (docs/google-behaviour.md#gmail-search). Bodies are never fetched
    // (format=metadata).
    scopes: [`${G}gmail.readonly`],
    adminOnly: false,
    purpose: "Recent emails shared with a contact (subject and date) in the sidebar",
  },
  drive: {
    name: "drive",
    // File names, owners and modified times only; never file content.
    scopes: [`${G}drive.metadata.readonly`],
    adminOnly: false,
    purpose: "Recently shared documents with a contact in the sidebar",
  },
  directory: {
    name: "directory",
    scopes: [
      `${G}admin.directory.user.readonly`,
      `${G}admin.directory.group.readonly`,
      `${G}admin.directory.orgunit.readonly`,
      `${G}directory.readonly`,
    ],
    adminOnly: true,
    purpose: "Provisioning and the directory picker from your Workspace directory",
  },
  "directory-writeback": {
    name: "directory-writeback",
    // Asked only when an admin turns directory write-back on (incremental consent on top of
    // `directory`): users.update needs the full user scope; there is no narrower write scope.
    scopes: [`${G}admin.directory.user`],
    adminOnly: true,
    purpose:
      "Writes the phone numbers Switchboard assigns (and, if enabled, name changes) to Workspace profiles",
  },
};

export const integrationOf = (name: string): Integration | undefined =>
  IntegrationName.safeParse(name).success ? INTEGRATIONS[name as IntegrationName] : undefined;

/** The scopes to request when connecting an integration. */
export const consentScopes = (integration: Integration): string[] => [
  ...IDENTITY_SCOPES,
  ...integration.scopes,
];

// Google folds the short identity scope names into full URLs in token responses.
const ALIASES: Record<string, string> = { email: `${G}userinfo.email`, profile: `${G}userinfo.profile` };

/** A token response's space-separated `scope`, normalised, deduplicated and sorted. */
export function parseScopes(raw: string | undefined | null): string[] {
  const out = new Set<string>();
  for (const s of (raw ?? "").split(/\s+/)) if (s) out.add(ALIASES[s] ?? s);
  return [...out].sort();
}

/** The integration's scopes the grant lacks; empty when the grant covers it. */
export const missingScopes = (integration: Integration, granted: readonly string[]): string[] =>
  integration.scopes.filter((s) => !granted.includes(s));
