import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inflateRawSync } from "node:zlib";
import { SAML, type SamlConfig, ValidateInResponseTo } from "@node-saml/node-saml";
import { createSamlIdp, entityIdFor, type SamlIdp, type SamlOrg } from "./index";

/** Test fixtures shared by the SAML IdP tests (not a test file itself). */

export const SP = {
  entityId: "https://switchboard.example/saml/metadata",
  acsUrl: "https://switchboard.example/saml/acs",
} as const;

export const CORP = "C01corp7x";
export const OTHER = "C09other2";

export function corpOrg(overrides: Partial<SamlOrg> = {}): SamlOrg {
  return {
    idpId: CORP,
    domain: "corp.example",
    users: [
      // /Sales/EMEA inherits the app from /Sales.
      {
        email: "alice@corp.example",
        orgUnitPath: "/Sales/EMEA",
        groups: ["sales@corp.example", "emea@corp.example"],
        suspended: false,
        givenName: "Alice",
        familyName: "Archer",
      },
      { email: "admin@corp.example", orgUnitPath: "/Sales", groups: [], suspended: false },
      { email: "mallory@corp.example", orgUnitPath: "/Sales", groups: [], suspended: false },
      // The app is OFF for /Engineering but ON for a group bob is in.
      {
        email: "bob@corp.example",
        orgUnitPath: "/Engineering",
        groups: ["saml-users@corp.example"],
        suspended: false,
      },
      // The app is OFF for carol: neither her OU nor her groups.
      {
        email: "carol@corp.example",
        orgUnitPath: "/Finance",
        groups: ["finance@corp.example"],
        suspended: false,
      },
      { email: "dave@corp.example", orgUnitPath: "/Sales", groups: [], suspended: true },
    ],
    appEnabledFor: { orgUnits: ["/Sales"], groups: ["saml-users@corp.example"] },
    sp: { ...SP },
    ...overrides,
  };
}

export function otherOrg(): SamlOrg {
  return {
    idpId: OTHER,
    domain: "other.example",
    users: [{ email: "eve@other.example", orgUnitPath: "/", groups: [], suspended: false }],
    appEnabledFor: { orgUnits: ["/"], groups: [] },
    sp: { ...SP },
  };
}

export function makeIdp(orgs: SamlOrg[] = [corpOrg(), otherOrg()], baseUrl = "http://127.0.0.1:9"): SamlIdp {
  const byId = new Map(orgs.map((o) => [o.idpId, o]));
  return createSamlIdp({
    baseUrl,
    findOrg: (id) => byId.get(id),
    updateApp: (id, patch) => {
      const org = byId.get(id);
      if (org?.sp) org.sp = { ...org.sp, ...patch };
    },
  });
}

/**
 * An SP built on @node-saml/node-saml (the core of the passport-saml Switchboard uses), pinned to
 * the IdP's current signing certificate: an implementation independent of the simulator.
 */
export function nodeSamlSp(idp: SamlIdp, overrides: Partial<SamlConfig> = {}, idpId = CORP): SAML {
  return new SAML({
    entryPoint: `http://127.0.0.1:9/o/saml2/idp?idpid=${idpId}`,
    issuer: SP.entityId,
    callbackUrl: SP.acsUrl,
    audience: SP.entityId,
    idpCert: idp.signingCertificatePem(idpId),
    idpIssuer: entityIdFor(idpId),
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.ifPresent,
    ...overrides,
  });
}

export function decode(samlResponse: string): string {
  return Buffer.from(samlResponse, "base64").toString("utf8");
}

/** Starts a bare node:http server that only mounts the IdP's `handle`. */
export async function serve(
  makeIdpAt: (baseUrl: string) => SamlIdp,
): Promise<{ idp: SamlIdp; baseUrl: string; close(): Promise<void> }> {
  let idp: SamlIdp | undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    idp!
      .handle(req, res, url)
      .then((handled) => {
        if (!handled) {
          res.writeHead(404, { "content-type": "text/plain" });
          res.end("not a SAML route");
        }
      })
      .catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  idp = makeIdpAt(baseUrl);
  return {
    idp,
    baseUrl,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** The ID of the AuthnRequest inside an HTTP-Redirect URL produced by node-saml. */
export function requestIdOf(redirectUrl: string): string {
  const samlRequest = new URL(redirectUrl).searchParams.get("SAMLRequest");
  if (!samlRequest) throw new Error("no SAMLRequest in URL");
  const xml = inflateRawSync(Buffer.from(samlRequest, "base64")).toString("utf8");
  const id = /\sID="([^"]+)"/.exec(xml)?.[1];
  if (!id) throw new Error("no ID in AuthnRequest");
  return id;
}
