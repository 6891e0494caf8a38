// Server-side state behind opaque page tokens and sync tokens. A page token remembers the snapshot
// of ids taken on the first page, so later pages are stable while data changes underneath.
import { randomToken } from "./ids";

export interface PageCursor {
  kind: string;
  owner: string;
  paramsKey: string;
  ids: string[];
  offset: number;
  createdAt: number;
  /** For sync listings: the sequence the next sync token will start from. */
  syncSeq?: number;
  fullSyncAt?: number;
  /** True when the listing is an incremental sync (changed ids incl. deletions). */
  incremental?: boolean;
}

export interface SyncCursor {
  kind: string;
  owner: string;
  paramsKey: string;
  seq: number;
  fullSyncAt: number;
  mintedAt: number;
}

export class CursorStore {
  private readonly pages = new Map<string, PageCursor>();
  private readonly syncs = new Map<string, SyncCursor>();

  savePage(cursor: PageCursor): string {
    const token = randomToken(18);
    this.pages.set(token, cursor);
    return token;
  }

  page(token: string): PageCursor | undefined {
    return this.pages.get(token);
  }

  dropPage(token: string): void {
    this.pages.delete(token);
  }

  saveSync(cursor: SyncCursor): string {
    const token = `${cursor.kind === "connections" ? "EhIK" : "EhQK"}${randomToken(30)}`;
    this.syncs.set(token, cursor);
    return token;
  }

  sync(token: string): SyncCursor | undefined {
    return this.syncs.get(token);
  }

  clear(): void {
    this.pages.clear();
    this.syncs.clear();
  }
}
