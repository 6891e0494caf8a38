// The local console: signs a demo user in (Google sign-in or SAML through the simulated Google), keeps
// the session with the typed client (code exchange, refresh-token rotation), and shows one view at a
// time (#contacts, #presence, …). It is a development console, not the product's UI.
import { type SessionTokens, switchboardClient } from "@switchboard/client";
import { adminView } from "./admin-views";
import { type ConsoleConfig, loadConfig } from "./config";
import { h, say, showError } from "./dom";
import { googleView } from "./google-view";
import { signInView } from "./sign-in";
import { contactsView, integrationsView, presenceView, sidebarView, type ViewContext } from "./user-views";

const TOKENS = "switchboard.console.tokens";

const VIEWS: Record<
  string,
  { label: string; admin?: boolean; render: (c: ViewContext) => Promise<HTMLElement> }
> = {
  contacts: { label: "Contacts", render: contactsView },
  presence: { label: "Presence", render: presenceView },
  sidebar: { label: "Sidebar", render: sidebarView },
  integrations: { label: "Integrations", render: integrationsView },
  admin: { label: "Admin", admin: true, render: adminView },
  google: { label: "Act as Google", render: googleView },
};

function storedTokens(): SessionTokens | null {
  const raw = sessionStorage.getItem(TOKENS);
  return raw ? (JSON.parse(raw) as SessionTokens) : null;
}

async function start(config: ConsoleConfig) {
  const client = switchboardClient({
    baseUrl: config.apiUrl,
    tokens: storedTokens(),
    onTokens: (t) =>
      t ? sessionStorage.setItem(TOKENS, JSON.stringify(t)) : sessionStorage.removeItem(TOKENS),
  });
  const url = new URL(location.href);
  const code = url.searchParams.get("code");
  const problem = url.searchParams.get("error");
  const integration = url.searchParams.get("integration");
  if (code || problem || integration) history.replaceState(null, "", `/${location.hash}`);
  if (code) await client.exchange(code);
  if (problem) showError({ message: `Sign-in or consent ended with ${problem}` });
  if (integration) say(`${integration}: ${url.searchParams.get("status") ?? "done"}`);

  const app = document.getElementById("app")!;
  if (!client.tokens()) {
    app.replaceChildren(signInView(config));
    return;
  }
  const me = await client.call((c) => c.GET("/v1/me"));
  const ctx: ViewContext = { client, config, me, refresh: () => render() };
  document.getElementById("who")!.replaceChildren(
    `${me.displayName ?? me.email} (${me.role}, ${me.orgId}) `,
    h(
      "button",
      {
        type: "button",
        onclick: () =>
          void client
            .logout()
            .catch(() => {})
            .finally(() => location.assign("/")),
      },
      "Sign out",
    ),
  );

  let timer: number | undefined;
  async function render() {
    window.clearTimeout(timer);
    const name = location.hash.slice(1) || "contacts";
    const view = VIEWS[name] && (!VIEWS[name].admin || me.role === "admin") ? VIEWS[name] : VIEWS.contacts!;
    const nav = h(
      "nav",
      { "aria-label": "Views" },
      ...Object.entries(VIEWS)
        .filter(([, v]) => !v.admin || me.role === "admin")
        .map(([key, v]) =>
          h("a", { href: `#${key}`, "aria-current": view === v ? "page" : undefined }, v.label),
        ),
    );
    try {
      app.replaceChildren(nav, await view.render(ctx));
    } catch (error) {
      app.replaceChildren(nav);
      showError(error);
    }
    // The presence board follows the calendars: it reloads while it is shown.
    if (view === VIEWS.presence) timer = window.setTimeout(() => void render(), 3000);
  }
  window.addEventListener("hashchange", () => void render());
  await render();
}

loadConfig()
  .then(start)
  .catch((error: unknown) => showError(error));
