// The query other capabilities ask of presence: a colleague's current meeting, as the viewer may see it.
import type { UserRepository } from "../accounts";
import { viewFor } from "./presence-engine";
import type { PresenceRepository } from "./presence-repository";

export type CurrentMeetingQuery = (
  viewer: { orgId: string },
  email: string,
) => Promise<{ title: string; until: string | null } | null>;

/** Only a colleague (a user of the viewer's org) has a presence whose title the viewer may see. */
export function currentMeetingQuery(
  users: () => Pick<UserRepository, "findByEmail">,
  presence: () => Pick<PresenceRepository, "get">,
): CurrentMeetingQuery {
  return async (viewer, email) => {
    const user = await users().findByEmail(viewer.orgId, email);
    if (!user) return null;
    const doc = await presence().get(viewer.orgId, user.id);
    if (!doc) return null;
    const view = viewFor(doc, viewer.orgId, { orgId: viewer.orgId });
    return view.title ? { title: view.title, until: view.until } : null;
  };
}
