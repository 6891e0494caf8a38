// The drive/v3 surface (filled in below).
import type { ApiRoute } from "../api";
import type { Router } from "../router";

export function registerDriveRoutes(_router: Router<ApiRoute>): void {}
