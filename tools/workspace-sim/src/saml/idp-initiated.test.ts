import { ValidateInResponseTo } from "@node-saml/node-saml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SamlIdp } from "./index";
import { CORP, corpOrg, decode, makeIdp, nodeSamlSp, SP, serve } from "./test-support";

const START_URL = "https://app.switchboard.example/home";
const NO_SP = "C02nosp";

function orgWithoutApp() {
  const org = corpOrg({ idpId: NO_SP });
  delete org.sp;
  return org;
}

describe("IdP-initiated login (the Google app launcher)", () => {
  let sim: { idp: SamlIdp; baseUrl: string; close(): Promise<void> };
  beforeAll(async () => {
    sim = await serve((baseUrl) =>
      makeIdp([corpOrg({ sp: { ...SP, startUrl: START_URL } }), orgWithoutApp()], baseUrl),
    );
  });
  afterAll(() => sim.close());

  const launch = (query: string) =>
    fetch(`${sim.baseUrl}/o/saml2/idp?${query}`, { headers: { accept: "application/json" } });

  it("posts a response without InResponseTo, RelayState = the app's Start URL; node-saml accepts it", async () => {
    const res = await launch(`idpid=${CORP}&sim_user=alice@corp.example`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { acsUrl: string; SAMLResponse: string; RelayState?: string };
    expect(body.acsUrl).toBe(SP.acsUrl);
    expect(body.RelayState).toBe(START_URL);
    const xml = decode(body.SAMLResponse);
    expect(xml).not.toContain("InResponseTo");
    const { profile } = await nodeSamlSp(sim.idp).validatePostResponseAsync({
      SAMLResponse: body.SAMLResponse,
    });
    expect(profile?.nameID).toBe("alice@corp.example");
    expect(profile?.inResponseTo).toBeUndefined();
    // An SP that insists on InResponseTo ("always") refuses unsolicited responses.
    await expect(
      nodeSamlSp(sim.idp, { validateInResponseTo: ValidateInResponseTo.always }).validatePostResponseAsync({
        SAMLResponse: body.SAMLResponse,
      }),
    ).rejects.toThrow("InResponseTo is missing from response");
  });

  it("the helper gives the same kind of response; an explicit RelayState wins over the Start URL", async () => {
    const r = await sim.idp.loginResponse({ idpId: CORP, email: "bob@corp.example" });
    expect(r.RelayState).toBe(START_URL);
    expect(decode(r.SAMLResponse)).not.toContain("InResponseTo");
    const explicit = await launch(`idpid=${CORP}&sim_user=bob@corp.example&RelayState=deep-link`);
    expect(((await explicit.json()) as { RelayState: string }).RelayState).toBe("deep-link");
    const spInitiated = await sim.idp.loginResponse({
      idpId: CORP,
      email: "bob@corp.example",
      inResponseTo: "_x",
    });
    expect(spInitiated.RelayState).toBeUndefined();
  });

  it("needs a configured SAML app (there is no AuthnRequest to say where to post)", async () => {
    const res = await launch(`idpid=${NO_SP}&sim_user=alice@corp.example`);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "app_not_configured" });
  });
});
