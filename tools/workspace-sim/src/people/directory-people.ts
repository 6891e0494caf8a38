// GET /v1/people:listDirectoryPeople over the caller's domain, with the same sync semantics as
// connections.list. Suspended and deleted users drop out (tombstones in incremental syncs).
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { invalidArgument } from "../errors";
import { directoryTombstone, listedInDirectory, renderDirectoryPerson } from "./directory-person";
import { parseMask } from "./person";
import { chargePeople } from "./quota";
import { listWithSync, parsePageSize } from "./sync-listing";

const SOURCES = ["DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE", "DIRECTORY_SOURCE_TYPE_DOMAIN_CONTACT"];

export function listDirectoryPeople(ctx: ApiContext): ApiResult {
  const { org, user } = callerUser(ctx);
  const q = ctx.url.searchParams;
  const mask = parseMask(q.get("readMask"), "readMask", true)!;
  const sources = q.getAll("sources").sort();
  if (sources.length === 0) throw invalidArgument("sources must contain at least one directory source type.");
  for (const s of sources)
    if (!SOURCES.includes(s)) throw invalidArgument(`Invalid value at 'sources' (TYPE_ENUM), "${s}"`);
  const pageSize = parsePageSize(q.get("pageSize"), 1000, 100);
  const merge = q.getAll("mergeSources").sort();
  const fields = [...mask].sort().join(",");
  chargePeople(ctx, user.id, 1, 0);
  // Shared domain contacts are not simulated, so DOMAIN_CONTACT alone lists nothing.
  const profiles = sources.includes("DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE");
  const dir = org.directory;
  const page = listWithSync(
    ctx,
    {
      kind: "directoryPeople",
      owner: `${org.id}|${user.id}`,
      log: dir.log,
      fullListing: () =>
        profiles
          ? dir
              .sortedUsers("email")
              .filter(listedInDirectory)
              .map((u) => u.id)
          : [],
      render: (id, incremental) => {
        const u = dir.users.get(id);
        if (!u || !profiles) return undefined;
        if (listedInDirectory(u)) return renderDirectoryPerson(org, u, mask, "DOMAIN_PROFILE");
        return incremental ? directoryTombstone(u) : undefined;
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
        sources,
        merge,
        q.get("requestSyncToken"),
        q.get("syncToken"),
      ]),
      syncParamsKey: JSON.stringify([fields, sources, merge]),
      apiMethod: "people.listDirectoryPeople",
    },
  );
  const body: Record<string, unknown> = {};
  if (page.items.length > 0) body.people = page.items;
  if (page.nextPageToken) body.nextPageToken = page.nextPageToken;
  if (page.nextSyncToken) body.nextSyncToken = page.nextSyncToken;
  return { json: body };
}
