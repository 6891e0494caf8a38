// Everything the simulator knows, in memory: organisations with their directories and OAuth
// configuration, each user's contacts, tokens, cursors, the clock, faults and the request log.
import type { SimClock } from "./clock";
import { CursorStore } from "./cursors";
import type { DirectoryUser } from "./directory/directory-store";
import { OrgDirectory } from "./directory/directory-store";
import { WatchHub } from "./directory/watch";
import { FaultPlan } from "./faults";
import type { IdTokenTamper } from "./oauth/id-token";
import { TokenStore } from "./oauth/token-store";
import { ContactStore } from "./people/contact-store";
import { QuotaMeter } from "./quotas";
import { RequestLog } from "./request-log";
import type { SamlAppSettings } from "./seed/org-seed";
import { defaultSettings, type SimSettings } from "./settings";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** An External app in "Testing" publishing status: refresh tokens die after 7 days. */
  testingMode: boolean;
  orgId: string;
}

export interface ServiceAccount {
  email: string;
  clientId: string;
  publicKeyPem: string;
  /** Present when the simulator generated the key, so tests can fetch a key file. */
  privateKeyPem?: string;
  /** Disabled (or deleted) in its Cloud project: token requests answer "Robot is disabled.". */
  disabled?: boolean;
}

/** An org admin authorised a service account's client id for these scopes (domain-wide delegation). */
export interface Delegation {
  clientId: string;
  scopes: string[];
}

export interface AppAccess {
  orgUnits: string[];
  groups: string[];
}

export interface Org {
  id: string;
  domain: string;
  customerId: string;
  idpId: string;
  /** Region used to read national phone numbers (the account's locale in Google). */
  defaultRegion: string;
  /** Verified domains besides `domain` (Directory domains.list). */
  secondaryDomains: string[];
  /** Consumer accounts (gmail.com): no `hd` claim, no Workspace customer behind them. */
  consumer: boolean;
  directory: OrgDirectory;
  appAccess: AppAccess;
  /** The org's Google SAML app (entity ID, ACS URL, "Signed response", Name ID format, attribute mapping). */
  sp?: SamlAppSettings;
  delegations: Delegation[];
}

/** Per-user consent behaviour a test can set: grant only some scopes, or deny. */
export interface ConsentBehaviour {
  grantOnly?: string[];
  withhold?: string[];
  deny?: boolean;
}

export class SimState {
  readonly settings: SimSettings = defaultSettings();
  readonly orgs = new Map<string, Org>();
  readonly oauthClients = new Map<string, OAuthClient>();
  readonly serviceAccounts = new Map<string, ServiceAccount>();
  readonly cursors = new CursorStore();
  readonly tokens = new TokenStore();
  readonly faults = new FaultPlan();
  readonly quotas = new QuotaMeter();
  readonly log = new RequestLog();
  readonly consent = new Map<string, ConsentBehaviour>();
  /** id_token forgeries to apply to a user's next token responses (primary email → plan). */
  readonly idTokenTampering = new Map<string, { tamper: IdTokenTamper; times: number }>();
  private readonly contacts = new Map<string, ContactStore>();
  private readonly orgListeners: Array<(org: Org) => void> = [];

  readonly watch: WatchHub;

  constructor(readonly clock: SimClock) {
    this.watch = new WatchHub({
      now: this.now,
      faults: this.faults,
      pushOrder: () => this.settings.directory.pushOrder,
      batchWindowMs: () => this.settings.directory.pushBatchWindowMs,
    });
    this.onOrgCreated((org) => this.watch.subscribe(org));
  }

  now = (): number => this.clock.now();

  /** Called for every new org, so watch channels and other subsystems can subscribe to it. */
  onOrgCreated(listener: (org: Org) => void): void {
    this.orgListeners.push(listener);
  }

  createOrg(init: Omit<Org, "directory">): Org {
    if (this.orgs.has(init.id)) throw new Error(`organisation ${init.id} already exists`);
    const org: Org = {
      ...init,
      domain: init.domain.toLowerCase(),
      directory: new OrgDirectory(init.id, this.now),
    };
    this.orgs.set(org.id, org);
    for (const l of this.orgListeners) l(org);
    return org;
  }

  orgByDomain(domain: string): Org | undefined {
    const d = domain.toLowerCase();
    for (const org of this.orgs.values()) if (org.domain === d) return org;
    return undefined;
  }

  /** Finds a user (live or deleted) by primary email or id, across organisations. */
  findUser(key: string): { org: Org; user: DirectoryUser } | undefined {
    const at = key.indexOf("@");
    if (at > 0) {
      const org = this.orgByDomain(key.slice(at + 1));
      const user = org?.directory.findUser(key);
      return org && user ? { org, user } : undefined;
    }
    for (const org of this.orgs.values()) {
      const user = org.directory.findUser(key);
      if (user) return { org, user };
    }
    return undefined;
  }

  /** A user's contact store, created on first use. */
  contactsOf(userId: string): ContactStore {
    let store = this.contacts.get(userId);
    if (!store) {
      store = new ContactStore(this.now);
      this.contacts.set(userId, store);
    }
    return store;
  }

  /** Forget every organisation, token and cursor; keep settings, clock and listeners. */
  reset(): void {
    this.orgs.clear();
    this.oauthClients.clear();
    this.serviceAccounts.clear();
    this.contacts.clear();
    this.cursors.clear();
    this.tokens.clear();
    this.faults.clear();
    this.quotas.clear();
    this.log.clear();
    this.consent.clear();
    this.idTokenTampering.clear();
    this.watch.clear();
  }
}
