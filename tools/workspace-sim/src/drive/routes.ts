// The www.googleapis.com/drive/v3 surface (files.list, files.get, permissions.list). Every call is
// charged against the per-user quota (403 userRateLimitExceeded, as Drive answers).
import type { ApiContext, ApiRoute } from "../api";
import { ApiError } from "../errors";
import type { Router } from "../router";
import type { SimState } from "../state";
import { getFile, listFiles, listPermissions } from "./files-api";

const G = "https://www.googleapis.com/auth/";

export const DRIVE_SCOPES = {
  drive: `${G}drive`,
  readonly: `${G}drive.readonly`,
  metadata: `${G}drive.metadata`,
  metadataReadonly: `${G}drive.metadata.readonly`,
  file: `${G}drive.file`,
} as const;

const READ = Object.values(DRIVE_SCOPES);

export interface DriveSettings {
  /** Queries per user per minute (Google: 325,000 units). null = unlimited. */
  queriesPerUserPerMinute: number | null;
}

const settingsBySim = new WeakMap<SimState, DriveSettings>();

export function driveSettings(state: SimState): DriveSettings {
  let s = settingsBySim.get(state);
  if (!s) {
    s = { queriesPerUserPerMinute: 325_000 };
    settingsBySim.set(state, s);
  }
  return s;
}

function chargeDrive(ctx: ApiContext): void {
  const who = ctx.caller?.user?.id ?? ctx.caller?.token.serviceAccount ?? "anonymous";
  const { state } = ctx;
  if (state.quotas.tryCharge(`${who}|drive`, 1, driveSettings(state).queriesPerUserPerMinute, state.now()))
    return;
  throw new ApiError({
    code: 403,
    status: "PERMISSION_DENIED",
    message: "User rate limit exceeded.",
    reason: "userRateLimitExceeded",
    domain: "usageLimits",
    infoReason: "RATE_LIMIT_EXCEEDED",
    infoMetadata: { service: "drive.googleapis.com" },
  });
}

const drive = (method: string, handle: ApiRoute["handle"]): ApiRoute => ({
  api: "drive",
  method,
  service: "drive.googleapis.com",
  auth: true,
  scopes: READ,
  handle: (ctx) => {
    chargeDrive(ctx);
    return handle(ctx);
  },
});

export function registerDriveRoutes(router: Router<ApiRoute>): void {
  router
    .add("GET", /^\/drive\/v3\/files$/, drive("drive.files.list", listFiles))
    .add(
      "GET",
      /^\/drive\/v3\/files\/(?<fileId>[^/]+)\/permissions$/,
      drive("drive.permissions.list", listPermissions),
    )
    .add("GET", /^\/drive\/v3\/files\/(?<fileId>[^/]+)$/, drive("drive.files.get", getFile));
}
