import type { IncomingMessage, ServerResponse } from "node:http";
import { SamlAppSchema } from "../seed/org-seed";
import { authorise, SamlIdpError } from "./access";
import { type AttributeMapping, fieldsForApp, type GroupMembershipMapping } from "./app-fields";
import {
  type AuthnRequest,
  decodeSamlRequest,
  InvalidAuthnRequest,
  parseAuthnRequest,
} from "./authn-request";
import { createForgery, type Forgery } from "./forge";
import { KeyStore } from "./keys";
import {
  BINDING_POST,
  buildResponse,
  entityIdFor,
  googleSigning,
  metadataXml,
  type NameIdFormat,
} from "./xml";

export { SamlIdpError } from "./access";
export type { AttributeMapping, DirectoryField, GroupMembershipMapping } from "./app-fields";
export type { ForgeInput, Forgery, XswVariant } from "./forge";
export { entityIdFor, NAMEID_FORMATS, type NameIdFormat } from "./xml";

export interface SamlUser {
  email: string;
  orgUnitPath: string;
  groups: string[];
  suspended: boolean;
  givenName?: string;
  familyName?: string;
}

/** A Google custom SAML app's settings (Admin console → Apps → Web and mobile apps → the app). */
export interface SamlApp {
  entityId: string;
  acsUrl: string;
  /** Optional (simulator extension): the app's Start URL, sent as RelayState on IdP-initiated login. */
  startUrl?: string;
  /** The "Signed response" box; default false (Google signs only the assertion). */
  signResponse?: boolean;
  /** "Name ID format"; default EMAIL. The Name ID is the user's primary email whatever the format. */
  nameIdFormat?: NameIdFormat;
  /** "SAML attribute mapping"; none by default (no AttributeStatement). */
  attributes?: AttributeMapping[];
  /** "Group membership (optional)". */
  groupMembership?: GroupMembershipMapping;
}
export interface SamlOrg {
  idpId: string;
  domain: string;
  users: SamlUser[];
  appEnabledFor: { orgUnits: string[]; groups: string[] };
  sp?: SamlApp;
}
/** What an admin can change on a configured app (`configureApp`, `POST /_sim/saml/app`). */
export type SamlAppPatch = Partial<Omit<SamlApp, "entityId" | "acsUrl">>;
export interface SamlIdpDeps {
  baseUrl: string;
  findOrg(idpId: string): SamlOrg | undefined;
  /** Changes the org's app settings; without it `configureApp` is refused. */
  updateApp?(idpId: string, patch: SamlAppPatch): void;
  now?: () => Date;
}

export interface LoginInput {
  idpId: string;
  email: string;
  inResponseTo?: string;
  relayState?: string;
  signResponse?: boolean;
}
export interface LoginResult {
  acsUrl: string;
  /** base64 of the saml2p:Response XML, as POSTed to the ACS. */
  SAMLResponse: string;
  RelayState?: string;
}

export interface SamlIdp {
  /** Serves the IdP routes and the /_sim/saml control routes; resolves true when it handled the request. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  metadataXml(idpId: string): string;
  /** The certificate currently used for signing. */
  signingCertificatePem(idpId: string): string;
  /** IdP-initiated (no inResponseTo) or SP-initiated response for a user, as Google would POST it. */
  loginResponse(input: LoginInput): Promise<LoginResult>;
  forge: Forgery;
  /** Adds a new certificate and makes it the signing one; refused (409) when two exist, as Google does. */
  rotateCertificate(idpId: string): void;
  /** Deletes a certificate by SHA-256 fingerprint; not the one the app signs with. */
  deleteCertificate(idpId: string, fingerprint256: string): void;
  /** Changes the app's settings as an admin would in the console ("Signed response", Name ID format, mapping). */
  configureApp(idpId: string, patch: SamlAppPatch): void;
}

/** Where the simulated SAML app lives and how to answer it. */
export interface SpTarget {
  org: SamlOrg;
  acsUrl: string;
  audience: string;
  relayState: string | undefined;
  signResponse: boolean;
  nameIdFormat: NameIdFormat;
  attributes: AttributeMapping[];
  groupMembership: GroupMembershipMapping | undefined;
}

const SIM_PREFIX = "/_sim/saml/";
const APP_PATCH = SamlAppSchema.omit({ entityId: true, acsUrl: true }).partial().strict();
const MAX_BODY = 1024 * 1024;

export function createSamlIdp(deps: SamlIdpDeps): SamlIdp {
  const now = deps.now ?? (() => new Date());
  const baseUrl = deps.baseUrl.replace(/\/+$/, "");
  const keys = new KeyStore(now);
  /** The "signed-in Google user" per IdP, set through POST /_sim/saml/session. */
  const sessions = new Map<string, string>();

  const ssoUrl = (idpId: string) => `${baseUrl}/o/saml2/idp?idpid=${encodeURIComponent(idpId)}`;

  function requireOrg(idpId: string): SamlOrg {
    const org = deps.findOrg(idpId);
    if (!org) throw new SamlIdpError("unknown_idp", 404, `No SAML IdP with idpid=${idpId}.`);
    return org;
  }

  /**
   * Resolves where the response goes. With a configured app, Google requires the request's issuer
   * to be the app's entity ID (else "app_not_configured_for_user") and only posts to the
   * configured ACS URL. Without one (a simulator convenience) the AuthnRequest is trusted.
   */
  function target(
    org: SamlOrg,
    request: Pick<AuthnRequest, "issuer" | "acsUrl"> | undefined,
    relayState: string | undefined,
    signResponse: boolean | undefined,
  ): SpTarget {
    const sp = org.sp;
    const idpInitiated = request === undefined;
    if (sp) {
      if (request?.issuer !== undefined && request.issuer !== sp.entityId) {
        throw new SamlIdpError(
          "app_not_configured_for_user",
          403,
          `Service is not configured for this user (the request's issuer ${request.issuer} is not the configured entity ID).`,
        );
      }
      if (request?.acsUrl !== undefined && request.acsUrl !== sp.acsUrl) {
        throw new SamlIdpError(
          "invalid_request",
          400,
          `The AssertionConsumerServiceURL ${request.acsUrl} does not match the app's ACS URL.`,
        );
      }
      return {
        org,
        acsUrl: sp.acsUrl,
        audience: sp.entityId,
        relayState: relayState ?? (idpInitiated ? sp.startUrl : undefined),
        signResponse: signResponse ?? sp.signResponse ?? false,
        nameIdFormat: sp.nameIdFormat ?? "EMAIL",
        attributes: sp.attributes ?? [],
        groupMembership: sp.groupMembership,
      };
    }
    if (request?.acsUrl === undefined || request.issuer === undefined) {
      throw new SamlIdpError("app_not_configured", 403, `No SAML app is configured for idpid=${org.idpId}.`);
    }
    return {
      org,
      acsUrl: request.acsUrl,
      audience: request.issuer,
      relayState,
      signResponse: signResponse ?? false,
      nameIdFormat: "EMAIL",
      attributes: [],
      groupMembership: undefined,
    };
  }

  function issue(t: SpTarget, email: string, inResponseTo: string | undefined): LoginResult {
    const fields = fieldsForApp(t, email, inResponseTo, now());
    const xml = buildResponse(fields, googleSigning(keys.signing(t.org.idpId), t.signResponse));
    return withRelayState({ acsUrl: t.acsUrl, SAMLResponse: Buffer.from(xml, "utf8").toString("base64") }, t);
  }

  async function loginResponse(input: LoginInput): Promise<LoginResult> {
    const org = requireOrg(input.idpId);
    // The helper speaks for an SP that sent a well-formed request for the configured app.
    const t = target(
      org,
      input.inResponseTo === undefined ? undefined : { issuer: undefined, acsUrl: undefined },
      input.relayState,
      input.signResponse,
    );
    const user = authorise(org, input.email);
    return issue(t, user.email, input.inResponseTo);
  }

  const forge = createForgery({
    keys,
    now,
    prepare(input) {
      const org = requireOrg(input.idpId);
      return target(
        org,
        input.inResponseTo === undefined ? undefined : { issuer: undefined, acsUrl: undefined },
        input.relayState,
        input.signResponse,
      );
    },
  });

  function metadata(idpId: string): string {
    requireOrg(idpId);
    return metadataXml({
      entityId: entityIdFor(idpId),
      ssoUrl: ssoUrl(idpId),
      certificates: keys.all(idpId),
    });
  }

  // ---- HTTP ----

  async function sso(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = new URLSearchParams(url.search);
    let binding: "redirect" | "post" = "redirect";
    if (req.method === "POST") {
      binding = "post";
      const form = new URLSearchParams(await readBody(req));
      for (const [k, v] of form) params.set(k, v);
    } else if (req.method !== "GET") {
      throw new SamlIdpError("invalid_request", 405, `Method ${req.method} is not allowed.`);
    }
    const idpId = params.get("idpid");
    if (!idpId) throw new SamlIdpError("invalid_request", 400, "The idpid parameter is missing.");
    const org = requireOrg(idpId);
    const samlRequest = params.get("SAMLRequest");
    let request: AuthnRequest | undefined;
    if (samlRequest) {
      try {
        request = parseAuthnRequest(decodeSamlRequest(samlRequest, binding));
      } catch (err) {
        if (err instanceof InvalidAuthnRequest) {
          throw new SamlIdpError("invalid_request", 400, `The SAML request is invalid: ${err.message}`);
        }
        throw err;
      }
    } else if (binding === "post") {
      throw new SamlIdpError("invalid_request", 400, "SAMLRequest is missing from the POST.");
    }
    if (request?.protocolBinding !== undefined && request.protocolBinding !== BINDING_POST) {
      throw new SamlIdpError(
        "invalid_request",
        400,
        `Google only answers with the HTTP-POST binding, not ${request.protocolBinding}.`,
      );
    }
    const t = target(org, request, params.get("RelayState") ?? undefined, undefined);
    // No browser: the signed-in user is the sim-only `sim_user` parameter, else the session.
    const email = params.get("sim_user") ?? sessions.get(idpId);
    if (!email) {
      throw new SamlIdpError(
        "login_required",
        401,
        `Nobody is signed in to Google for idpid=${idpId}: add sim_user=<email> or POST ${SIM_PREFIX}session.`,
      );
    }
    const user = authorise(org, email);
    const result = issue(t, user.email, request?.id);
    if (wantsJson(req)) {
      sendJson(res, 200, { ...result, ...(request ? { inResponseTo: request.id } : {}), nameId: user.email });
    } else {
      send(res, 200, "text/html; charset=utf-8", autoPostForm(result));
    }
  }

  async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = url.pathname.slice(SIM_PREFIX.length);
    const method = req.method ?? "GET";
    const queryIdp = url.searchParams.get("idpid") ?? url.searchParams.get("idpId");
    if (route === "metadata" && method === "GET") {
      send(res, 200, "application/samlmetadata+xml; charset=utf-8", metadata(need(queryIdp, "idpid")));
      return;
    }
    if (route === "certificate" && method === "GET") {
      const idpId = need(queryIdp, "idpid");
      requireOrg(idpId);
      send(res, 200, "application/x-pem-file", keys.signing(idpId).certificatePem);
      return;
    }
    if (route === "certificate" && method === "DELETE") {
      const idpId = need(queryIdp, "idpid");
      deleteCertificate(idpId, need(url.searchParams.get("fingerprint"), "fingerprint"));
      sendJson(res, 200, { idpId, certificates: keys.all(idpId).map((c) => c.certificatePem) });
      return;
    }
    if (route === "app" && method === "POST") {
      const body = await readJson(req);
      const idpId = need(str(body.idpId), "idpId");
      const { idpId: _, ...patch } = body;
      configureApp(idpId, patch as SamlAppPatch);
      sendJson(res, 200, { idpId, app: requireOrg(idpId).sp ?? null });
      return;
    }
    if (route === "session") {
      if (method === "GET") {
        const idpId = need(queryIdp, "idpid");
        sendJson(res, 200, { idpId, email: sessions.get(idpId) ?? null });
        return;
      }
      if (method === "DELETE") {
        sessions.delete(need(queryIdp, "idpid"));
        sendJson(res, 200, { ok: true });
        return;
      }
      if (method === "POST") {
        const body = await readJson(req);
        const idpId = need(str(body.idpId), "idpId");
        requireOrg(idpId);
        const email = body.email;
        if (email === null) sessions.delete(idpId);
        else sessions.set(idpId, need(str(email), "email"));
        sendJson(res, 200, { idpId, email: sessions.get(idpId) ?? null });
        return;
      }
    }
    if (route === "rotate" && method === "POST") {
      const idpId = need(str((await readJson(req)).idpId) ?? queryIdp ?? undefined, "idpId");
      requireOrg(idpId);
      keys.rotate(idpId);
      sendJson(res, 200, { idpId, certificates: keys.all(idpId).map((c) => c.certificatePem) });
      return;
    }
    if (route === "login-response" && method === "POST") {
      sendJson(res, 200, await loginResponse(loginInput(await readJson(req))));
      return;
    }
    const forgeMatch = /^forge\/([A-Za-z]+)$/.exec(route);
    if (forgeMatch && method === "POST") {
      const kind = forgeMatch[1] as keyof Forgery;
      const body = await readJson(req);
      if (!Object.hasOwn(forge, kind)) {
        throw new SamlIdpError(
          "invalid_request",
          404,
          `Unknown forgery ${kind}; one of ${Object.keys(forge).join(", ")}.`,
        );
      }
      const fn = forge[kind] as unknown as (input: Record<string, unknown>) => Promise<unknown>;
      // Forgery-specific options (variant, suffix, audience, recipient, payload, otherIdpId, attackerEmail) are strings.
      const extras = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === "string"));
      sendJson(res, 200, await fn({ ...extras, ...loginInput(body) }));
      return;
    }
    throw new SamlIdpError("invalid_request", 404, `No simulator SAML route ${method} ${url.pathname}.`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const isSso = path === "/o/saml2/idp";
    const isMetadata = path === "/o/saml2/metadata";
    const isControl = path.startsWith(SIM_PREFIX);
    if (!isSso && !isMetadata && !isControl) return false;
    try {
      if (isMetadata) {
        if (req.method !== "GET" && req.method !== "HEAD") {
          throw new SamlIdpError("invalid_request", 405, "Use GET.");
        }
        const idpId = need(url.searchParams.get("idpid"), "idpid");
        send(res, 200, "application/samlmetadata+xml; charset=utf-8", metadata(idpId));
      } else if (isSso) {
        await sso(req, res, url);
      } else {
        await control(req, res, url);
      }
    } catch (err) {
      const e =
        err instanceof SamlIdpError
          ? err
          : new SamlIdpError("invalid_request", 500, err instanceof Error ? err.message : String(err));
      if (wantsJson(req) || isControl)
        sendJson(res, e.status, { error: e.code, error_description: e.description });
      else send(res, e.status, "text/html; charset=utf-8", errorPage(e));
    }
    return true;
  }

  function deleteCertificate(idpId: string, fingerprint256: string): void {
    requireOrg(idpId);
    keys.delete(idpId, fingerprint256);
  }

  function configureApp(idpId: string, patch: SamlAppPatch): void {
    const org = requireOrg(idpId);
    if (!org.sp)
      throw new SamlIdpError("app_not_configured", 404, `No SAML app is configured for idpid=${idpId}.`);
    const parsed = APP_PATCH.safeParse(patch);
    if (!parsed.success) {
      throw new SamlIdpError("invalid_request", 400, `Invalid app settings: ${parsed.error.message}`);
    }
    if (!deps.updateApp)
      throw new SamlIdpError("invalid_request", 501, "This IdP cannot change app settings.");
    deps.updateApp(idpId, patch);
  }

  return {
    handle,
    metadataXml: metadata,
    signingCertificatePem(idpId) {
      requireOrg(idpId);
      return keys.signing(idpId).certificatePem;
    },
    loginResponse,
    forge,
    rotateCertificate(idpId) {
      requireOrg(idpId);
      keys.rotate(idpId);
    },
    deleteCertificate,
    configureApp,
  };
}

export function withRelayState(result: LoginResult, t: Pick<SpTarget, "relayState">): LoginResult {
  return t.relayState === undefined ? result : { ...result, RelayState: t.relayState };
}

// ---- small HTTP helpers ----

function need(value: string | null | undefined, name: string): string {
  if (!value) throw new SamlIdpError("invalid_request", 400, `${name} is required.`);
  return value;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function loginInput(body: Record<string, unknown>): LoginInput {
  const input: LoginInput = { idpId: need(str(body.idpId), "idpId"), email: need(str(body.email), "email") };
  const inResponseTo = str(body.inResponseTo);
  const relayState = str(body.relayState);
  if (inResponseTo !== undefined) input.inResponseTo = inResponseTo;
  if (relayState !== undefined) input.relayState = relayState;
  if (typeof body.signResponse === "boolean") input.signResponse = body.signResponse;
  return input;
}

function wantsJson(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("application/json");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new SamlIdpError("invalid_request", 413, "Request body too large.");
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SamlIdpError("invalid_request", 400, "The body is not JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SamlIdpError("invalid_request", 400, "The body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The page Google serves after sign-in: a form that POSTs itself to the ACS. */
export function autoPostForm(result: LoginResult): string {
  const relay =
    result.RelayState === undefined
      ? ""
      : `<input type="hidden" name="RelayState" value="${escapeHtml(result.RelayState)}">`;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Redirecting...</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="${escapeHtml(result.acsUrl)}">
<input type="hidden" name="SAMLResponse" value="${escapeHtml(result.SAMLResponse)}">${relay}
<noscript><input type="submit" value="Continue"></noscript>
</form>
</body></html>
`;
}

/** Google's "That's an error." page. */
function errorPage(e: SamlIdpError): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Error ${e.status}</title></head>
<body>
<p><b>${e.status}.</b> <ins>That’s an error.</ins></p>
<p>Error: ${escapeHtml(e.code)}</p>
<p>${escapeHtml(e.description)}</p>
<p><ins>That’s all we know.</ins></p>
</body></html>
`;
}
