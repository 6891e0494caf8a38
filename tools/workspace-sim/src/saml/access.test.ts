import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnabledFor, orgUnitLineage } from "./access";
import type { SamlIdp } from "./index";
import { CORP, corpOrg, makeIdp, nodeSamlSp, serve } from "./test-support";

describe("who Google lets into the SAML app", () => {
  it("a child OU inherits the app from its parent OUs", () => {
    expect(orgUnitLineage("/Sales/EMEA/")).toEqual(["/", "/Sales", "/Sales/EMEA"]);
    const org = corpOrg();
    const user = (email: string) => org.users.find((u) => u.email === email)!;
    expect(appEnabledFor(org, user("alice@corp.example"))).toBe(true); // /Sales/EMEA under /Sales
    expect(appEnabledFor(org, user("bob@corp.example"))).toBe(true); // via group
    expect(appEnabledFor(org, user("carol@corp.example"))).toBe(false);
    const everyone = corpOrg({ appEnabledFor: { orgUnits: ["/"], groups: [] } });
    expect(appEnabledFor(everyone, user("carol@corp.example"))).toBe(true);
  });

  it("issues responses for users with the app on (by OU or by group), NameID = primary email", async () => {
    const idp = makeIdp();
    const sp = nodeSamlSp(idp);
    for (const email of ["alice@corp.example", "bob@corp.example"]) {
      const { SAMLResponse } = await idp.loginResponse({ idpId: CORP, email });
      const { profile } = await sp.validatePostResponseAsync({ SAMLResponse });
      expect(profile?.nameID).toBe(email);
    }
    // Sign-in is case-insensitive; the NameID is the primary email as stored.
    const { SAMLResponse } = await idp.loginResponse({ idpId: CORP, email: "Alice@Corp.Example" });
    const { profile } = await sp.validatePostResponseAsync({ SAMLResponse });
    expect(profile?.nameID).toBe("alice@corp.example");
  });

  it("refuses users with the app off, suspended users and outsiders (no response is issued)", async () => {
    const idp = makeIdp();
    // Google: 403 app_not_enabled_for_user when the app is OFF for the user (goauthentik/authentik#12701;
    // Reports API SAML failure_type failure_app_not_enabled_for_user).
    await expect(idp.loginResponse({ idpId: CORP, email: "carol@corp.example" })).rejects.toMatchObject({
      code: "app_not_enabled_for_user",
      status: 403,
    });
    await expect(idp.loginResponse({ idpId: CORP, email: "dave@corp.example" })).rejects.toMatchObject({
      code: "account_disabled",
    });
    await expect(idp.loginResponse({ idpId: CORP, email: "eve@other.example" })).rejects.toMatchObject({
      code: "app_not_configured_for_user",
    });
    await expect(idp.loginResponse({ idpId: "unknown", email: "alice@corp.example" })).rejects.toMatchObject({
      code: "unknown_idp",
    });
  });

  describe("over HTTP", () => {
    let sim: { idp: SamlIdp; baseUrl: string; close(): Promise<void> };
    beforeAll(async () => {
      sim = await serve((baseUrl) => makeIdp([corpOrg()], baseUrl));
    });
    afterAll(() => sim.close());

    it("shows Google's error page 'app_not_enabled_for_user' instead of posting a response (goauthentik/authentik#12701)", async () => {
      const sp = nodeSamlSp(sim.idp, { entryPoint: `${sim.baseUrl}/o/saml2/idp?idpid=${CORP}` });
      const url = `${await sp.getAuthorizeUrlAsync("relay", undefined, {})}&sim_user=carol@corp.example`;
      const page = await fetch(url);
      expect(page.status).toBe(403);
      const html = await page.text();
      expect(html).toContain("That’s an error.");
      expect(html).toContain("Error: app_not_enabled_for_user");
      expect(html).not.toMatch(/SAMLResponse|<form/);
      const json = await fetch(url, { headers: { accept: "application/json" } });
      expect(await json.json()).toMatchObject({ error: "app_not_enabled_for_user" });
    });

    it("refuses a suspended user on the IdP-initiated path too", async () => {
      const res = await fetch(`${sim.baseUrl}/o/saml2/idp?idpid=${CORP}&sim_user=dave@corp.example`, {
        headers: { accept: "application/json" },
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: "account_disabled" });
    });
  });
});
