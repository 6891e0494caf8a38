// GET /v1/people/me/connections: the user's contacts, paged, with sync tokens.
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { invalidArgument } from "../errors";
import type { ContactStore } from "./contact-store";
import { type ContactRecord, parseMask, renderContact } from "./person";
import { chargeFullSyncFirstPage, chargePeople } from "./quota";
import { listWithSync, parsePageSize } from "./sync-listing";

const SORT_ORDERS = [
  "LAST_MODIFIED_ASCENDING",
  "LAST_MODIFIED_DESCENDING",
  "FIRST_NAME_ASCENDING",
  "LAST_NAME_ASCENDING",
];

export function listConnections(ctx: ApiContext): ApiResult {
  const { user } = callerUser(ctx);
  if (ctx.params.resourceName !== "people/me") throw invalidArgument("resourceName must be people/me.");
  const q = ctx.url.searchParams;
  const mask = parseMask(q.get("personFields") ?? q.get("requestMask.includeField"), "personFields", true)!;
  const pageSize = parsePageSize(q.get("pageSize"), 1000, 100);
  const sortOrder = q.get("sortOrder") ?? "LAST_MODIFIED_ASCENDING";
  if (!SORT_ORDERS.includes(sortOrder))
    throw invalidArgument(`Invalid value at 'sort_order' (TYPE_ENUM), "${sortOrder}"`);
  const sources = q.getAll("sources").sort();
  const fields = [...mask].sort().join(",");
  chargePeople(ctx, user.id, 1, 0);
  if (!q.get("pageToken") && !q.get("syncToken")) chargeFullSyncFirstPage(ctx, user.id);
  const store = ctx.state.contactsOf(user.id);
  const page = listWithSync(
    ctx,
    {
      kind: "connections",
      owner: user.id,
      log: store.log,
      fullListing: () => orderedIds(store, sortOrder),
      render: (id, incremental) => {
        const r = store.records.get(id);
        if (!r || (r.deleted && !incremental)) return undefined;
        return renderContact(r, mask);
      },
    },
    {
      pageSize,
      pageToken: q.get("pageToken") || undefined,
      syncToken: q.get("syncToken") || undefined,
      requestSyncToken: q.get("requestSyncToken") === "true",
      paramsKey: JSON.stringify([
        fields,
        pageSize,
        sortOrder,
        q.get("requestSyncToken"),
        q.get("syncToken"),
        sources,
      ]),
      syncParamsKey: JSON.stringify([fields, sources]),
      apiMethod: "people.connections.list",
    },
  );
  const body: Record<string, unknown> = {};
  if (page.items.length > 0) body.connections = page.items;
  if (page.nextPageToken) body.nextPageToken = page.nextPageToken;
  if (page.nextSyncToken) body.nextSyncToken = page.nextSyncToken;
  if (page.total !== undefined) {
    body.totalPeople = page.total;
    body.totalItems = page.total;
  }
  return { json: body };
}

function orderedIds(store: ContactStore, sortOrder: string): string[] {
  const live = [...store.live()];
  const name = (r: ContactRecord, key: string) => String(r.data.names?.[0]?.[key] ?? "").toLowerCase();
  switch (sortOrder) {
    case "LAST_MODIFIED_DESCENDING":
      live.sort((a, b) => b.seq - a.seq);
      break;
    case "FIRST_NAME_ASCENDING":
      live.sort((a, b) => cmp(name(a, "givenName"), name(b, "givenName")) || a.seq - b.seq);
      break;
    case "LAST_NAME_ASCENDING":
      live.sort((a, b) => cmp(name(a, "familyName"), name(b, "familyName")) || a.seq - b.seq);
      break;
    default:
      live.sort((a, b) => a.seq - b.seq);
  }
  return live.map((r) => r.resourceName);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
