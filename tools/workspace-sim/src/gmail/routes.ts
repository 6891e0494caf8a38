// The gmail/v1 surface (filled in below).
import type { ApiRoute } from "../api";
import type { Router } from "../router";

export function registerGmailRoutes(_router: Router<ApiRoute>): void {}
