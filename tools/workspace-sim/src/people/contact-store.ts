// One user's Google Contacts: current records (tombstones kept for sync), a change log for sync
// tokens, and the search cache that only a warm-up request refreshes.
import { ChangeLog } from "../change-log";
import { contactResourceName, hexId, personEtag, sourceEtag } from "../ids";
import type { ContactRecord, PersonData } from "./person";

let nextContactNumber = 1;

export class ContactStore {
  readonly records = new Map<string, ContactRecord>();
  readonly log = new ChangeLog();
  private liveCount = 0;
  /** What searchContacts sees; replaced only by an empty-query warm-up call. */
  searchCache: ContactRecord[] = [];

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.liveCount;
  }

  get(resourceName: string): ContactRecord | undefined {
    const r = this.records.get(resourceName);
    return r && !r.deleted ? r : undefined;
  }

  /**
   * What people.get sees: within `lagMs` of the last update or delete, the version before it (Google's
   * reads lag its writes); undefined when that version is deleted or never existed.
   */
  readable(resourceName: string, lagMs: number): ContactRecord | undefined {
    const r = this.records.get(resourceName);
    if (!r) return undefined;
    const shown = r.prior && this.now() < r.updateTime + lagMs ? r.prior : r;
    return shown.deleted ? undefined : shown;
  }

  *live(): Iterable<ContactRecord> {
    for (const r of this.records.values()) if (!r.deleted) yield r;
  }

  create(data: PersonData): ContactRecord {
    const resourceName = contactResourceName(nextContactNumber++);
    const at = this.now();
    const record: ContactRecord = {
      resourceName,
      sourceId: hexId(8),
      etag: personEtag(),
      sourceEtag: sourceEtag(),
      updateTime: at,
      seq: this.log.append(resourceName, at),
      deleted: false,
      data,
    };
    this.records.set(resourceName, record);
    this.liveCount++;
    return record;
  }

  /** Replaces the given fields (a field set to [] is cleared) and issues a new etag. */
  update(resourceName: string, fields: PersonData): ContactRecord {
    const current = this.get(resourceName);
    if (!current) throw new Error(`no contact ${resourceName}`);
    const data: PersonData = { ...current.data, ...fields };
    for (const [k, v] of Object.entries(data)) if (v.length === 0) delete data[k];
    const at = this.now();
    const next: ContactRecord = {
      ...current,
      prior: withoutPrior(current),
      data,
      etag: personEtag(),
      sourceEtag: sourceEtag(),
      updateTime: at,
      seq: this.log.append(resourceName, at),
    };
    this.records.set(resourceName, next);
    return next;
  }

  delete(resourceName: string): ContactRecord {
    const current = this.get(resourceName);
    if (!current) throw new Error(`no contact ${resourceName}`);
    const at = this.now();
    const tombstone: ContactRecord = {
      ...current,
      prior: withoutPrior(current),
      data: {},
      deleted: true,
      etag: personEtag(),
      updateTime: at,
      seq: this.log.append(resourceName, at),
    };
    this.records.set(resourceName, tombstone);
    this.liveCount--;
    return tombstone;
  }

  warmSearchCache(): void {
    this.searchCache = [...this.live()];
  }
}

const withoutPrior = ({ prior: _older, ...record }: ContactRecord): ContactRecord => record;
