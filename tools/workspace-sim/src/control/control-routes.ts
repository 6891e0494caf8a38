// The control API over HTTP under /_sim/…: a thin JSON mapping onto SimControl, so the local stack
// and non-TypeScript tools can drive the simulator too.
import type { IncomingMessage, ServerResponse } from "node:http";
import { registerPart2ControlRoutes } from "../calendar/control-routes";
import type { FaultRule } from "../faults";
import { parseJsonBody, readBody, sendEmpty, sendJson } from "../http-io";
import type { RequestFilter } from "../request-log";
import { Router } from "../router";
import type { ContactSeed, SeedFile, UserSeed } from "../seed/org-seed";
import type { SettingsPatch } from "../settings";
import type { ConsentBehaviour } from "../state";
import type { Duration, SimControl } from "./sim-control";

type Body = Record<string, unknown>;
type Handler = (p: Record<string, string>, body: Body, url: URL) => unknown | Promise<unknown>;

export interface ControlRouter {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}

export function createControlRouter(control: SimControl): ControlRouter {
  const router = new Router<Handler>();
  const U = "/_sim/users/(?<email>[^/]+)";
  const filterOf = (url: URL): RequestFilter => {
    const f: RequestFilter = {};
    for (const k of ["api", "method", "user"] as const) {
      const v = url.searchParams.get(k);
      if (v) f[k] = v;
    }
    const status = url.searchParams.get("status");
    if (status) f.status = Number(status);
    return f;
  };
  router
    .add("POST", /^\/_sim\/reset$/, () => control.reset())
    .add("POST", /^\/_sim\/seed$/, (_p, body) => control.seed(body as SeedFile))
    .add("GET", /^\/_sim\/orgs$/, () => control.orgs())
    .add("GET", /^\/_sim\/clock$/, () => ({ now: control.now().toISOString() }))
    .add("POST", /^\/_sim\/clock\/advance$/, (_p, body) => ({
      now: control.advanceClock(body as Duration).toISOString(),
    }))
    .add("POST", /^\/_sim\/clock\/set$/, (_p, body) => ({
      now: control.setClock(String(body.at)).toISOString(),
    }))
    .add("POST", /^\/_sim\/faults$/, (_p, body) => ({ id: control.injectFault(body as FaultRule) }))
    .add("DELETE", /^\/_sim\/faults$/, () => control.clearFaults())
    .add("DELETE", /^\/_sim\/faults\/(?<id>\d+)$/, (p) => control.removeFault(Number(p.id)))
    .add("GET", /^\/_sim\/settings$/, () => control.settings())
    .add("PATCH", /^\/_sim\/settings$/, (_p, body) => control.configure(body as SettingsPatch))
    .add("POST", /^\/_sim\/consent$/, (_p, body) =>
      control.setConsent(String(body.user ?? "*"), body as ConsentBehaviour),
    )
    .add("DELETE", /^\/_sim\/consent$/, () => control.clearConsent())
    .add("GET", /^\/_sim\/requests$/, (_p, _b, url) => {
      const filter = filterOf(url);
      return {
        count: control.requestCount(filter),
        counters: control.requestCounters(),
        requests: control.requests(filter),
      };
    })
    .add("DELETE", /^\/_sim\/requests$/, () => control.clearRequestLog())
    .add("POST", /^\/_sim\/tokens$/, (_p, body) => control.issueTokens(body as never))
    .add("POST", /^\/_sim\/id-tokens\/tamper$/, (_p, body) =>
      control.tamperIdTokens(String(body.user), body.tamper as never, Number(body.times ?? 1)),
    )
    .add("POST", /^\/_sim\/keys\/rotate$/, () => ({ kid: control.rotateSigningKey() }))
    .add("POST", /^\/_sim\/oauth-clients\/(?<id>[^/]+)\/redirect-uris$/, (p, body) =>
      control.addRedirectUri(p.id!, String(body.uri)),
    )
    .add("POST", /^\/_sim\/grants\/revoke$/, (_p, body) =>
      control.revokeGrant(String(body.user), String(body.clientId)),
    )
    .add("GET", /^\/_sim\/service-accounts\/(?<email>[^/]+)\/key$/, (p) =>
      control.serviceAccountKey(p.email!),
    )
    .add("GET", /^\/_sim\/channels$/, () => control.channels())
    .add("GET", /^\/_sim\/pushes$/, () => control.pushDeliveries())
    .add("POST", /^\/_sim\/channels\/(?<id>[^/]+)\/spoof$/, (p, body) => control.spoofPush(p.id!, body))
    .add("POST", /^\/_sim\/users$/, (_p, body) => control.addUser(body as UserSeed))
    .add("GET", new RegExp(`^${U}$`), (p) => control.userResource(p.email!))
    .add("POST", new RegExp(`^${U}/rename$`), (p, body) => control.renameUser(p.email!, body))
    .add("POST", new RegExp(`^${U}/suspend$`), (p) => control.suspendUser(p.email!, true))
    .add("POST", new RegExp(`^${U}/unsuspend$`), (p) => control.suspendUser(p.email!, false))
    .add("POST", new RegExp(`^${U}/move$`), (p, body) => control.moveUser(p.email!, String(body.orgUnitPath)))
    .add("POST", new RegExp(`^${U}/make-admin$`), (p, body) =>
      control.makeAdmin(p.email!, body.isAdmin !== false),
    )
    .add("POST", new RegExp(`^${U}/delete$`), (p) => control.deleteUser(p.email!))
    .add("POST", new RegExp(`^${U}/undelete$`), (p) => control.undeleteUser(p.email!))
    .add("GET", new RegExp(`^${U}/contacts$`), (p) => control.contacts(p.email!))
    .add("POST", new RegExp(`^${U}/contacts$`), (p, body) =>
      control.addContact(p.email!, body as ContactSeed),
    )
    .add("POST", new RegExp(`^${U}/contacts:merge$`), (p, body) =>
      control.mergeContacts(p.email!, String(body.keep), (body.merge as string[]) ?? []),
    )
    .add("PATCH", new RegExp(`^${U}/contacts/(?<id>c\\d+)$`), (p, body) =>
      control.editContact(p.email!, `people/${p.id}`, body as ContactSeed),
    )
    .add("DELETE", new RegExp(`^${U}/contacts/(?<id>c\\d+)$`), (p) =>
      control.deleteContact(p.email!, `people/${p.id}`),
    );

  registerPart2ControlRoutes(router, control);

  return {
    async handle(req, res, url) {
      const match = router.match(req.method ?? "GET", url.pathname);
      if (match === undefined || match === "method-not-allowed") {
        sendJson(res, 404, {
          error: { message: `workspace-sim control: no route for ${req.method} ${url.pathname}` },
        });
        return;
      }
      try {
        const body = parseJsonBody(await readBody(req)) as Body;
        const result = await match.route.meta(match.params, body, url);
        if (result === undefined) sendEmpty(res, 204);
        else sendJson(res, 200, result);
      } catch (err) {
        sendJson(res, 400, { error: { message: err instanceof Error ? err.message : String(err) } });
      }
    },
  };
}
