// Public API: start a simulator in-process and get its URL, the typed control client and stop().
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createClock } from "./clock";
import { createControlRouter } from "./control/control-routes";
import { SimControl } from "./control/sim-control";
import { createSigningKey } from "./oauth/signing-key";
import type { SeedFile } from "./seed/org-seed";
import { createSimServer, loadSamlModule } from "./server";
import { applySettings, type SettingsPatch } from "./settings";
import { SimState } from "./state";

export interface WorkspaceSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Organisations to seed at start. */
  seed?: SeedFile | SeedFile[];
  /** A seed JSON file to load at start. */
  seedFile?: string;
  /** Seed the demo organisation shipped in demo/demo-org.json. */
  demo?: boolean;
  settings?: SettingsPatch;
  clock?: { startAt?: Date | string | number; frozen?: boolean };
  /** Mount the SAML IdP (src/saml) when present; default true. */
  saml?: boolean;
}

export interface RunningWorkspaceSim {
  url: string;
  control: SimControl;
  /** The SAML IdP, when mounted. */
  saml?: import("./saml/index").SamlIdp;
  stop(): Promise<void>;
}

export const DEMO_ORG_FILE = fileURLToPath(new URL("../demo/demo-org.json", import.meta.url));

export async function startWorkspaceSim(options: WorkspaceSimOptions = {}): Promise<RunningWorkspaceSim> {
  const clock = createClock({
    ...(options.clock?.startAt !== undefined ? { startAt: new Date(options.clock.startAt).getTime() } : {}),
    ...(options.clock?.frozen ? { frozen: true } : {}),
  });
  const state = new SimState(clock);
  if (options.settings) applySettings(state.settings, options.settings);
  const keys = createSigningKey();
  const control = new SimControl(state, keys);
  const sim = createSimServer(state, keys, createControlRouter(control));

  await new Promise<void>((resolve, reject) => {
    sim.server.once("error", reject);
    sim.server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = sim.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  sim.setBaseUrl(url);

  if (options.demo) await control.seedFromFile(DEMO_ORG_FILE);
  if (options.seedFile) await control.seedFromFile(options.seedFile);
  for (const seed of [options.seed ?? []].flat()) control.seed(seed);

  let saml: RunningWorkspaceSim["saml"];
  if (options.saml !== false) {
    const mod = await loadSamlModule();
    if (mod) {
      const orgOf = (idpId: string) => [...state.orgs.values()].find((o) => o.idpId === idpId);
      saml = mod.createSamlIdp({
        baseUrl: url,
        now: () => new Date(state.now()),
        updateApp: (idpId, patch) => {
          const org = orgOf(idpId);
          if (org?.sp) org.sp = { ...org.sp, ...patch };
        },
        findOrg: (idpId) => {
          const org = orgOf(idpId);
          if (!org) return undefined;
          const users = [...org.directory.users.values()]
            .filter((u) => u.deletionTime === undefined)
            .map((u) => ({
              email: u.primaryEmail,
              orgUnitPath: u.orgUnitPath,
              groups: org.directory.groupsOf(u.primaryEmail),
              suspended: u.suspended,
              givenName: u.givenName,
              familyName: u.familyName,
            }));
          return {
            idpId: org.idpId,
            domain: org.domain,
            users,
            appEnabledFor: org.appAccess,
            ...(org.sp ? { sp: samlSp(org.sp) } : {}),
          };
        },
      });
      sim.setSaml(saml);
    }
  }

  return {
    url,
    control,
    ...(saml ? { saml } : {}),
    stop: async () => {
      control.calendar.shutdown(); // no Calendar notifications after stop
      await state.watch.drain().catch(() => undefined);
      await new Promise<void>((resolve) => {
        sim.server.close(() => resolve());
        sim.server.closeAllConnections();
      });
    },
  };
}

/** The org's SAML app settings without the keys left undefined (the IdP's types have no `undefined`). */
function samlSp(sp: NonNullable<import("./state").Org["sp"]>): import("./saml/index").SamlApp {
  return Object.fromEntries(
    Object.entries(sp).filter(([, v]) => v !== undefined),
  ) as unknown as import("./saml/index").SamlApp;
}

export type { CalendarControl, SpoofOptions } from "./calendar/control";
export type { NotificationFault, NotificationRecord } from "./calendar/push";
export { CALENDAR_SCOPES } from "./calendar/routes";
export type { CalendarSettings } from "./calendar/settings";
export {
  googleApiOptions,
  routeTokenRequestsToSim,
  simOAuth2Client,
  simOAuthEndpoints,
  simServiceAccountClient,
} from "./client-options";
export type { Duration, IssuedTokens, OrgSummary } from "./control/sim-control";
export { SimControl } from "./control/sim-control";
export type { DriveControl, NewFile, ShareInput } from "./drive/control";
export { DRIVE_SCOPES } from "./drive/routes";
export type { FaultRule } from "./faults";
export type { GmailControl } from "./gmail/control";
export { GMAIL_SCOPES } from "./gmail/messages-api";
export type { LoggedRequest, RequestFilter } from "./request-log";
export { SCOPES } from "./scopes";
export type { ContactSeed, OrgSeed, SeedFile, UserSeed } from "./seed/org-seed";
export type { SettingsPatch, SimSettings } from "./settings";
