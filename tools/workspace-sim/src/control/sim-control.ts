// The typed control API: what tests, the local stack and the demo use to set the scene and to act as
// people do in Google (edit a contact, suspend a user), and to inspect what Switchboard did.
import { readFile } from "node:fs/promises";
import { type CalendarControl, calendarControl } from "../calendar/control";
import { DAY, HOUR, MINUTE } from "../clock";
import type { DirectoryUser } from "../directory/directory-store";
import { userJson } from "../directory/user-json";
import type { PushDelivery } from "../directory/watch";
import { type DriveControl, driveControl } from "../drive/control";
import type { FaultRule } from "../faults";
import { type GmailControl, gmailControl } from "../gmail/control";
import { type IdTokenTamper, issueIdToken } from "../oauth/id-token";
import { rotateSigningKey, type SigningKey } from "../oauth/signing-key";
import { type FieldValue, normalisePersonInput, type PersonData, renderContact } from "../people/person";
import type { LoggedRequest, RequestFilter } from "../request-log";
import { IDENTITY_SCOPES, parseScopes, SCOPES } from "../scopes";
import { addSeededUser, contactData, seedOrg } from "../seed/apply-seed";
import {
  type ContactSeed,
  type OrgSeed,
  type SeedFile,
  SeedFileSchema,
  type UserSeed,
} from "../seed/org-seed";
import { applySettings, type SettingsPatch, type SimSettings } from "../settings";
import type { ConsentBehaviour, Org, SimState } from "../state";

export interface OrgSummary {
  id: string;
  domain: string;
  customerId: string;
  idpId: string;
  users: number;
}

export type Duration = number | { days?: number; hours?: number; minutes?: number; seconds?: number };

export interface IssuedTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  scope: string;
}

export class SimControl {
  constructor(
    private readonly state: SimState,
    private readonly keys: SigningKey,
  ) {}

  // ---- organisations -------------------------------------------------------------------------

  /** Seeds one organisation, or several from a seed file's `{ orgs: [...] }`. */
  seed(seed: SeedFile): OrgSummary[] {
    const parsed = SeedFileSchema.parse(seed);
    const orgs: OrgSeed[] = "orgs" in parsed ? parsed.orgs : [parsed];
    return orgs.map((o) => summary(seedOrg(this.state, o)));
  }

  async seedFromFile(path: string): Promise<OrgSummary[]> {
    return this.seed(JSON.parse(await readFile(path, "utf8")) as SeedFile);
  }

  /** Forgets every organisation, token, cursor, fault and logged request. Settings and clock stay. */
  reset(): void {
    this.state.reset();
    this.calendar.reset();
    this.gmail.reset();
    this.drive.reset();
  }

  // ---- part 2: Calendar, Gmail, Drive (src/calendar, src/gmail, src/drive) ---------------------

  /** Calendars, events as people change them, watch notifications and their faults. */
  get calendar(): CalendarControl {
    return calendarControl(this.state);
  }

  /** Mailboxes: send an email as a person would, seed mail history. */
  get gmail(): GmailControl {
    return gmailControl(this.state);
  }

  /** Files and sharing as people do it in Drive. */
  get drive(): DriveControl {
    return driveControl(this.state);
  }

  orgs(): OrgSummary[] {
    return [...this.state.orgs.values()].map(summary);
  }

  // ---- contacts (as the user would edit them in Google Contacts) -----------------------------

  contacts(userEmail: string): Record<string, unknown>[] {
    const { user } = this.user(userEmail);
    return [...this.state.contactsOf(user.id).live()].map((r) => renderContact(r, undefined));
  }

  addContact(userEmail: string, contact: ContactSeed): Record<string, unknown> {
    const { org, user } = this.user(userEmail);
    return renderContact(
      this.state.contactsOf(user.id).create(contactData(contact, org.defaultRegion)),
      undefined,
    );
  }

  /** Replaces the fields present in `changes` (convenience fields or raw `person` fields). */
  editContact(userEmail: string, resourceName: string, changes: ContactSeed): Record<string, unknown> {
    const { org, user } = this.user(userEmail);
    const store = this.state.contactsOf(user.id);
    if (!store.get(resourceName)) throw new Error(`${userEmail} has no contact ${resourceName}`);
    const data = contactData(changes, org.defaultRegion);
    return renderContact(store.update(resourceName, data), undefined);
  }

  deleteContact(userEmail: string, resourceName: string): void {
    const { user } = this.user(userEmail);
    const store = this.state.contactsOf(user.id);
    if (!store.get(resourceName)) throw new Error(`${userEmail} has no contact ${resourceName}`);
    store.delete(resourceName);
  }

  /** Google Contacts' "Merge": `keep` absorbs the others' values, the others are deleted. */
  mergeContacts(userEmail: string, keep: string, others: string[]): Record<string, unknown> {
    const { org, user } = this.user(userEmail);
    const store = this.state.contactsOf(user.id);
    const survivor = store.get(keep);
    if (!survivor) throw new Error(`${userEmail} has no contact ${keep}`);
    const merged: PersonData = structuredClone(survivor.data);
    for (const name of others) {
      const other = store.get(name);
      if (!other) throw new Error(`${userEmail} has no contact ${name}`);
      for (const [field, values] of Object.entries(other.data)) {
        const into = merged[field] ?? [];
        for (const v of values) if (!into.some((x) => sameValue(field, x, v))) into.push(v);
        merged[field] = into;
      }
    }
    for (const single of ["names", "birthdays", "genders", "biographies"])
      if (merged[single]) merged[single] = merged[single].slice(0, 1);
    const updated = store.update(keep, normalisePersonInput(merged, org.defaultRegion));
    for (const name of others) store.delete(name);
    return renderContact(updated, undefined);
  }

  // ---- directory users (as an admin would change them in the Admin console) ------------------

  user(email: string): { org: Org; user: DirectoryUser } {
    const found = this.state.findUser(email);
    if (!found) throw new Error(`no seeded user ${email}`);
    return found;
  }

  userResource(email: string): Record<string, unknown> {
    const { org, user } = this.user(email);
    return userJson(org, user);
  }

  addUser(user: UserSeed): Record<string, unknown> {
    const domain = user.email.split("@")[1] ?? "";
    const org = this.state.orgByDomain(domain);
    if (!org) throw new Error(`no seeded organisation for ${domain}`);
    const added = addSeededUser(this.state, org, user);
    // Created in the admin console: like users.insert, not found by id nor writable for a while.
    org.directory.recentInserts.set(added.id, this.state.now());
    return userJson(org, added);
  }

  renameUser(email: string, name: { givenName?: string; familyName?: string }): Record<string, unknown> {
    return this.updateUser(email, name);
  }

  suspendUser(email: string, suspended = true): Record<string, unknown> {
    return this.updateUser(email, { suspended });
  }

  moveUser(email: string, orgUnitPath: string): Record<string, unknown> {
    return this.updateUser(email, { orgUnitPath });
  }

  setUserPhones(
    email: string,
    phones: Array<{ value: string; type: string; customType?: string }>,
  ): Record<string, unknown> {
    return this.updateUser(email, { phones });
  }

  makeAdmin(email: string, isAdmin = true): Record<string, unknown> {
    const { org, user } = this.user(email);
    return userJson(org, org.directory.updateUser(user.id, { isAdmin }, "makeAdmin"));
  }

  deleteUser(email: string): Record<string, unknown> {
    const { org, user } = this.user(email);
    return userJson(org, org.directory.deleteUser(user.id));
  }

  undeleteUser(email: string): Record<string, unknown> {
    const { org, user } = this.user(email);
    return userJson(org, org.directory.undeleteUser(user.id));
  }

  private updateUser(email: string, patch: Partial<DirectoryUser>): Record<string, unknown> {
    const { org, user } = this.user(email);
    return userJson(org, org.directory.updateUser(user.id, patch));
  }

  // ---- clock ----------------------------------------------------------------------------------

  now(): Date {
    return new Date(this.state.now());
  }

  advanceClock(by: Duration): Date {
    const ms =
      typeof by === "number"
        ? by
        : (by.days ?? 0) * DAY +
          (by.hours ?? 0) * HOUR +
          (by.minutes ?? 0) * MINUTE +
          (by.seconds ?? 0) * 1000;
    return new Date(this.state.clock.advance(ms));
  }

  setClock(at: Date | string | number): Date {
    this.state.clock.set(new Date(at).getTime());
    return this.now();
  }

  // ---- faults, settings, consent ----------------------------------------------------------------

  injectFault(rule: FaultRule): number {
    return this.state.faults.add(rule);
  }

  removeFault(id: number): void {
    this.state.faults.remove(id);
  }

  clearFaults(): void {
    this.state.faults.clear();
  }

  configure(patch: SettingsPatch): SimSettings {
    applySettings(this.state.settings, patch);
    return this.settings();
  }

  settings(): SimSettings {
    return structuredClone(this.state.settings);
  }

  /** How the consent screen answers for a user ("*" = everyone): grant only some scopes, or deny. */
  setConsent(user: string, behaviour: ConsentBehaviour): void {
    this.state.consent.set(user === "*" ? "*" : user.toLowerCase(), {
      ...behaviour,
      ...(behaviour.grantOnly ? { grantOnly: parseScopes(behaviour.grantOnly.join(" ")) } : {}),
      ...(behaviour.withhold ? { withhold: parseScopes(behaviour.withhold.join(" ")) } : {}),
    });
  }

  clearConsent(): void {
    this.state.consent.clear();
  }

  /** Registers one more redirect URI on an OAuth client (a local stack on other ports than the seed's). */
  addRedirectUri(clientId: string, uri: string): void {
    const client = this.state.oauthClients.get(clientId);
    if (!client) throw new Error(`no OAuth client ${clientId}`);
    if (!client.redirectUris.includes(uri)) client.redirectUris.push(uri);
  }

  /** The user's next `times` token responses carry a forged or broken id_token (a relying party's tests). */
  tamperIdTokens(user: string, tamper: IdTokenTamper, times = 1): void {
    this.user(user);
    this.state.idTokenTampering.set(user.toLowerCase(), { tamper, times });
  }

  /** Google rotates its signing key: a new kid signs from now on; the JWKS lists it beside the old one. */
  rotateSigningKey(): string {
    return rotateSigningKey(this.keys);
  }

  // ---- tokens -----------------------------------------------------------------------------------

  /** Shortcut past the consent redirect: tokens as if `user` had approved `scopes` for `clientId`. */
  issueTokens(input: { user: string; clientId: string; scopes: string[]; offline?: boolean }): IssuedTokens {
    const { state } = this;
    const { org, user } = this.user(input.user);
    const client = state.oauthClients.get(input.clientId);
    if (!client) throw new Error(`no OAuth client ${input.clientId}`);
    const scopes = parseScopes(input.scopes.join(" "));
    const grant = state.tokens.grant(user.id, client.clientId);
    for (const s of scopes) grant.scopes.add(s);
    const lifetime = state.settings.oauth.accessTokenLifetimeSec;
    const at = state.tokens.issueAccessToken({
      clientId: client.clientId,
      userId: user.id,
      scopes,
      expiresAt: state.now() + lifetime * 1000,
      grantKey: grant.key,
      offline: input.offline !== false,
    });
    const out: IssuedTokens = { access_token: at.value, expires_in: lifetime, scope: scopes.join(" ") };
    if (input.offline !== false) {
      out.refresh_token = state.tokens.issueRefreshToken(
        grant,
        scopes,
        client.testingMode && scopes.some((s) => !IDENTITY_SCOPES.has(s)),
        state.now(),
        state.settings.oauth.maxRefreshTokensPerClient,
      ).value;
    }
    if (scopes.includes(SCOPES.openid)) {
      out.id_token = issueIdToken({
        keys: this.keys,
        clientId: client.clientId,
        org,
        user,
        scopes,
        accessToken: at.value,
      });
    }
    return out;
  }

  /**
   * The user removes the app at myaccount.google.com/permissions: every token of the grant dies once the
   * revocation has propagated (settings.oauth.revocationLagMs by the sim clock; advance it past that).
   */
  revokeGrant(userEmail: string, clientId: string): void {
    const { user } = this.user(userEmail);
    this.state.tokens.revokeGrant(`${user.id}|${clientId}`, this.state.now());
  }

  /**
   * The user's access tokens (of one client, or all) die before their expiry while the refresh tokens
   * live on: the next call with one answers 401 although its expiry is ahead. Returns how many died.
   */
  killAccessTokens(userEmail: string, clientId?: string): number {
    const { user } = this.user(userEmail);
    return this.state.tokens.killAccessTokens(
      (t) => t.userId === user.id && (clientId === undefined || t.clientId === clientId),
    );
  }

  grantedScopes(userEmail: string, clientId: string): string[] {
    const { user } = this.user(userEmail);
    return [...(this.state.tokens.grants.get(`${user.id}|${clientId}`)?.scopes ?? [])];
  }

  liveRefreshTokenCount(userEmail: string, clientId: string): number {
    const { user } = this.user(userEmail);
    return this.state.tokens.liveRefreshTokenCount(`${user.id}|${clientId}`);
  }

  /** The service account is disabled in its Cloud project (or enabled again). */
  disableServiceAccount(email: string, disabled = true): void {
    const account = this.state.serviceAccounts.get(email);
    if (!account) throw new Error(`no service account ${email}`);
    account.disabled = disabled;
  }

  /** A service-account key file (JSON) for a seeded account whose key the simulator generated. */
  serviceAccountKey(email: string): {
    type: "service_account";
    client_email: string;
    client_id: string;
    private_key: string;
    token_uri: string;
  } {
    const sa = this.state.serviceAccounts.get(email);
    if (!sa?.privateKeyPem) throw new Error(`no generated key for service account ${email}`);
    return {
      type: "service_account",
      client_email: sa.email,
      client_id: sa.clientId,
      private_key: sa.privateKeyPem,
      token_uri: "https://oauth2.googleapis.com/token",
    };
  }

  // ---- observation ------------------------------------------------------------------------------

  requests(filter: RequestFilter = {}): LoggedRequest[] {
    return this.state.log.list(filter);
  }

  requestCount(filter: RequestFilter = {}): number {
    return this.state.log.count(filter);
  }

  requestCounters(): Record<string, number> {
    return this.state.log.counters();
  }

  clearRequestLog(): void {
    this.state.log.clear();
  }

  pushDeliveries(): PushDelivery[] {
    return [...this.state.watch.deliveries];
  }

  /** Resolves once every queued push notification has been attempted. */
  async drainPushes(): Promise<void> {
    await this.state.watch.drain();
  }

  /** Posts a forged notification to a channel's address (wrong token unless given; null = no token). */
  spoofPush(
    channelId: string,
    opts: { token?: string | null; state?: string; unknownChannel?: boolean } = {},
  ): void {
    this.state.watch.spoof(channelId, opts);
  }

  channels(): Array<{ id: string; resourceId: string; address: string; expiration: number; event?: string }> {
    return [...this.state.watch.channels.values()].map((c) => ({
      id: c.id,
      resourceId: c.resourceId,
      address: c.address,
      expiration: c.expiration,
      ...(c.event ? { event: c.event } : {}),
    }));
  }
}

function summary(org: Org): OrgSummary {
  return {
    id: org.id,
    domain: org.domain,
    customerId: org.customerId,
    idpId: org.idpId,
    users: org.directory.users.size,
  };
}

function sameValue(field: string, a: FieldValue, b: FieldValue): boolean {
  if (field === "phoneNumbers" && a.canonicalForm && b.canonicalForm)
    return a.canonicalForm === b.canonicalForm;
  if (field === "emailAddresses")
    return String(a.value ?? "").toLowerCase() === String(b.value ?? "").toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}
