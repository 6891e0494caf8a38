// Sign-in latency through the real path: the simulator's Google IdP, the bundled auth and api functions
// under the Functions Framework, Google's Firestore and Pub/Sub emulators, all on loopback.
import { Firestore } from "@google-cloud/firestore";
import { loadManifest } from "../functions/manifest";
import { parseIdpMetadata } from "../shared/identity/idp-metadata";
import { newSigningKeyRing } from "../shared/identity/signing-keys";
import { firestoreSsoConfigRepository } from "../shared/identity/sso-config";
import { newTokenKeyRing } from "../shared/identity/token-cipher";
import { firestoreOrgRepository } from "../shared/orgs/org-repository";
import { buildAll } from "../tools/build/build";
import { freePort, startEmulators } from "../tools/emulators/emulators";
import { startFunction } from "../tools/stack/function-process";
import { pubsubClient } from "../tools/stack/pubsub-wiring";
import { writeSecretsFile } from "../tools/testing/function-harness";
import { startWorkspaceSim } from "../tools/workspace-sim/src/index";
import type { Bench, Figure } from "./bench";

const ROUNDS = 40;
const APP = "http://app.bench.test";
const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ??
  Number.NaN;

const bench: Bench = {
  name: "sign-in",
  description:
    "SAML and Google sign-in round trips, code exchange, token refresh and an authenticated request",
  async run() {
    const projectId = "sb-bench-signin";
    await buildAll(["auth", "api"]);
    const emulators = await startEmulators({ projectId });
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    process.env.PUBSUB_EMULATOR_HOST = emulators.pubsubHost;
    const port = await freePort();
    const authUrl = `http://127.0.0.1:${port}`;
    const client = { clientId: "switchboard-bench.apps.googleusercontent.com", clientSecret: "GOCSPX-bench" };
    const secretsFile = await writeSecretsFile({
      "session-signing-keys": newSigningKeyRing(),
      "token-encryption-keys": newTokenKeyRing("bench-1"),
      "oauth-client-secret": client.clientSecret,
    });
    const sim = await startWorkspaceSim({ port: 0 });
    const env = {
      GOOGLE_CLOUD_PROJECT: projectId,
      FIRESTORE_EMULATOR_HOST: emulators.firestoreHost,
      PUBSUB_EMULATOR_HOST: emulators.pubsubHost,
      SWITCHBOARD_ENV: "test",
      LOG_LEVEL: "ERROR",
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: secretsFile,
      PUBLIC_AUTH_URL: authUrl,
      ALLOWED_RETURN_ORIGINS: APP,
      GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
      GOOGLE_API_ROOT_URL: `${sim.url}/`,
      GOOGLE_OAUTH_CLIENT_ID: client.clientId,
    };
    const spec = (name: string) => loadManifest().functions.find((f) => f.name === name)!;
    const [auth, api] = await Promise.all([
      startFunction(spec("auth"), { env, port }),
      startFunction(spec("api"), { env }),
    ]);
    const db = new Firestore({ projectId });
    try {
      const pubsub = pubsubClient(projectId, emulators.pubsubHost);
      await pubsub.createTopic("audit-events");
      await pubsub.createTopic("contact-sync");
      await pubsub.close();
      sim.control.seed({
        id: "acme",
        domain: "acme.example",
        idpId: "acme-idp",
        users: [{ email: "alice@acme.example", givenName: "Alice", familyName: "A" }],
        samlApp: { entityId: `${authUrl}/saml/metadata`, acsUrl: `${authUrl}/saml/acs` },
        oauthClients: [{ ...client, redirectUris: [`${authUrl}/auth/google/callback`] }],
      });
      // The org as onboarding leaves it (domain claim, alice its first admin).
      await firestoreOrgRepository(db).create(
        {
          orgId: "acme",
          displayName: "Acme",
          primaryDomain: "acme.example",
          domains: [],
          firstAdmin: { email: "alice@acme.example" },
          createdBy: "telephony",
        },
        new Date(),
      );
      const md = parseIdpMetadata(sim.saml!.metadataXml("acme-idp"));
      await firestoreSsoConfigRepository(db).save("acme", {
        idpEntityId: md.entityId,
        ssoUrl: md.ssoUrl,
        certificates: md.certificates,
        allowIdpInitiated: false,
        jitProvisioning: false,
        updatedAt: new Date().toISOString(),
      });

      const roundTrip: number[] = [];
      const acs: number[] = [];
      const exchange: number[] = [];
      const refresh: number[] = [];
      const authenticated: number[] = [];
      for (let i = 0; i < ROUNDS + 3; i++) {
        const t0 = performance.now();
        const start = await fetch(
          `${auth.url}/saml/login?org=acme&return_to=${encodeURIComponent(`${APP}/in`)}`,
          { redirect: "manual" },
        );
        const idp = new URL(start.headers.get("location")!);
        idp.searchParams.set("sim_user", "alice@acme.example");
        const google = (await (await fetch(idp, { headers: { accept: "application/json" } })).json()) as {
          SAMLResponse: string;
          RelayState: string;
        };
        const t1 = performance.now();
        const posted = await fetch(`${auth.url}/saml/acs`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(google),
        });
        const t2 = performance.now();
        const code = new URL(posted.headers.get("location")!).searchParams.get("code");
        const session = (await (
          await fetch(`${api.url}/v1/session/exchange`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ code }),
          })
        ).json()) as { accessToken: string; refreshToken: string };
        const t3 = performance.now();
        await fetch(`${api.url}/v1/session/refresh`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ refreshToken: session.refreshToken }),
        });
        const t4 = performance.now();
        await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${session.accessToken}` } });
        const t5 = performance.now();
        if (i < 3) continue; // warm-up: the first requests load each function's clients
        roundTrip.push(t3 - t0);
        acs.push(t2 - t1);
        exchange.push(t3 - t2);
        refresh.push(t4 - t3);
        authenticated.push(t5 - t4);
      }
      // Sign in with Google: our login redirect, Google's consent (no browser in the sim), our callback
      // (code exchange, id_token verified against the JWKS, Contacts grant stored), then the code exchange.
      const googleRoundTrip: number[] = [];
      const googleCallback: number[] = [];
      for (let i = 0; i < ROUNDS + 3; i++) {
        const t0 = performance.now();
        const start = await fetch(
          `${auth.url}/auth/google/login?login_hint=alice@acme.example&return_to=${encodeURIComponent(`${APP}/in`)}`,
          { redirect: "manual" },
        );
        const atGoogle = await fetch(start.headers.get("location")!, { redirect: "manual" });
        const t1 = performance.now();
        const back = await fetch(atGoogle.headers.get("location")!, { redirect: "manual" });
        const t2 = performance.now();
        const code = new URL(back.headers.get("location")!).searchParams.get("code");
        if (!code) throw new Error(`Google sign-in answered ${back.status}: ${await back.text()}`);
        const exchanged = await fetch(`${api.url}/v1/session/exchange`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ code }),
        });
        if (exchanged.status !== 200) throw new Error(`exchange answered ${exchanged.status}`);
        await exchanged.arrayBuffer();
        const t3 = performance.now();
        if (i < 3) continue;
        googleRoundTrip.push(t3 - t0);
        googleCallback.push(t2 - t1);
      }
      // The worst XML we could build against the ACS (docs/google-behaviour.md#saml-signatures): 145 KB (193 KB of
      // base64) of nested or sibling elements inside a genuinely signed assertion. Before the shape bound
      // the ACS spent 16 s (deep) and 961 s (wide) of CPU on one such post; now it is refused unparsed.
      const pathological: Record<"deep" | "wide", number[]> = { deep: [], wide: [] };
      for (let i = 0; i < 10; i++) {
        for (const shape of ["deep", "wide"] as const) {
          const forged = await sim.saml!.forge.pathological({
            idpId: "acme-idp",
            email: "alice@acme.example",
            shape,
          });
          const t0 = performance.now();
          const res = await fetch(`${auth.url}/saml/acs`, {
            method: "POST",
            redirect: "manual",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ SAMLResponse: forged.SAMLResponse }),
          });
          await res.arrayBuffer();
          if (res.status !== 400) throw new Error(`pathological ${shape} XML answered ${res.status}`);
          pathological[shape].push(performance.now() - t0);
        }
      }
      const figures: Figure[] = [];
      for (const shape of ["deep", "wide"] as const) {
        figures.push({
          name: `sign_in.acs_pathological_${shape}_p50`,
          value: pct(pathological[shape], 50),
          unit: "ms",
        });
        figures.push({
          name: `sign_in.acs_pathological_${shape}_max`,
          value: Math.max(...pathological[shape]),
          unit: "ms",
        });
      }
      for (const [name, values] of [
        ["sign_in.round_trip", roundTrip],
        ["sign_in.google_round_trip", googleRoundTrip],
        ["sign_in.google_callback", googleCallback],
        ["sign_in.acs", acs],
        ["sign_in.code_exchange", exchange],
        ["session.refresh", refresh],
        ["api.authenticated_request", authenticated],
      ] as const) {
        figures.push({ name: `${name}_p50`, value: pct(values, 50), unit: "ms" });
        figures.push({ name: `${name}_p95`, value: pct(values, 95), unit: "ms" });
      }
      return figures;
    } finally {
      await Promise.all([auth.stop(), api.stop(), sim.stop()]);
      await db.terminate();
      await emulators.stop();
    }
  },
};

export default bench;
