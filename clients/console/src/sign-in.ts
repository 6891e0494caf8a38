// Sign-in as a demo user, through the real routes: Google sign-in (the simulated Google consents for the
// login hint) or SAML (the simulator's IdP session is set to that person first, as if they had signed in
// to Google in this browser). Both come back to the console with a one-time code.
import type { ConsoleConfig } from "./config";
import { h, section, showError, table } from "./dom";

async function samlSignIn(config: ConsoleConfig, email: string) {
  const res = await fetch("/_sim/saml/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ idpId: config.idpId, email }),
  });
  if (!res.ok) throw new Error(`the simulated Google refused ${email}: ${res.status}`);
  const q = new URLSearchParams({ org: config.orgId, return_to: config.returnTo });
  location.assign(`${config.authUrl}/saml/login?${q}`);
}

function googleSignIn(config: ConsoleConfig, email: string) {
  const q = new URLSearchParams({ return_to: config.returnTo, login_hint: email });
  location.assign(`${config.authUrl}/auth/google/login?${q}`);
}

export function signInView(config: ConsoleConfig): HTMLElement {
  return section(
    "Sign in",
    h("p", {}, `Demo organisation ${config.orgId}. The simulated Google asks no password.`),
    table(
      ["Person", "Role", "Sign in"],
      config.users.map((u) => [
        u.email,
        u.role + (u.suspended ? " (suspended in Google)" : ""),
        h(
          "span",
          {},
          h(
            "button",
            {
              type: "button",
              onclick: () => googleSignIn(config, u.email),
              "aria-label": `Google sign-in as ${u.email}`,
            },
            "Google",
          ),
          " ",
          h(
            "button",
            {
              type: "button",
              onclick: () => void samlSignIn(config, u.email).catch(showError),
              "aria-label": `SAML sign-in as ${u.email}`,
            },
            "SAML",
          ),
        ),
      ]),
      "Demo people",
    ),
  );
}
