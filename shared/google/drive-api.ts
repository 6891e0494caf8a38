// The Drive port the sidebar needs (files.list with a search query) and its adapter over @googleapis/drive
// v3. Only metadata fields are asked for (drive.metadata.readonly); never file content.

import type { OAuth2Client } from "google-auth-library";
import { AppError } from "../platform/errors";
import { loadOnFirstUse } from "../platform/lazy-module";
import { clientOptions, type GoogleApiTarget } from "./google-client-options";
import { toAppError } from "./google-errors";
import { type RetryOptions, withGoogleRetry } from "./retry";

export interface DriveFileSummary {
  id: string;
  name: string;
  mimeType: string;
  /** RFC 3339. */
  modifiedTime: string;
  webViewLink: string;
}

export interface DriveApi {
  listFiles(q: string, options: { orderBy: string; pageSize: number }): Promise<DriveFileSummary[]>;
}

/**
 * Drive query string literal: `'` and `\` escaped with a backslash
 * (docs/google-behaviour.md#drive-search).
 */
export const driveQuoted = (value: string): string => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;

export function googleDriveApi(
  target: GoogleApiTarget,
  auth: OAuth2Client,
  options: { retry?: RetryOptions } = {},
): DriveApi {
  const api = loadOnFirstUse(async () =>
    (await import("@googleapis/drive")).drive({ version: "v3", ...clientOptions(target, auth) }),
  );
  return {
    async listFiles(q, { orderBy, pageSize }) {
      try {
        const res = await withGoogleRetry(
          async () =>
            (await api()).files.list({
              q,
              orderBy,
              pageSize,
              corpora: "user",
              fields: "files(id,name,mimeType,modifiedTime,webViewLink)",
            }),
          options.retry,
        );
        return (res.data.files ?? []).map((f) => ({
          id: f.id ?? "",
          name: f.name ?? "",
          mimeType: f.mimeType ?? "",
          modifiedTime: f.modifiedTime ?? "",
          webViewLink: f.webViewLink ?? `https://drive.google.com/open?id=${f.id}`,
        }));
      } catch (error) {
        throw error instanceof AppError ? error : toAppError(error, "drive files.list");
      }
    },
  };
}
