// The signed-in person's views: contacts (list, search, caller ID, add, delete, sync now), the presence
// board of colleagues, a contact's sidebar (mail, docs, events, current meeting) with "add meeting
// details", and their integrations (connect, disconnect, reconnect).
import type { SwitchboardClient } from "@switchboard/client";
import type { ConsoleConfig } from "./config";
import { action, field, form, h, say, section, table } from "./dom";

export interface ViewContext {
  client: SwitchboardClient;
  config: ConsoleConfig;
  me: { id: string; orgId: string; email: string; displayName: string | null; role: "user" | "admin" };
  refresh: () => Promise<void>;
}

type Contact = {
  id: string;
  kind: string;
  displayName: string;
  phones: Array<{ value: string; e164: string | null }>;
  emails: Array<{ value: string }>;
  syncState: string;
};

const phonesOf = (c: Contact) => c.phones.map((p) => p.e164 ?? p.value).join(", ");

function contactRows(ctx: ViewContext, contacts: Contact[]) {
  return contacts.map((c) => [
    c.displayName,
    phonesOf(c),
    c.emails.map((e) => e.value).join(", "),
    c.kind,
    c.syncState,
    h(
      "span",
      {},
      c.emails[0]
        ? h(
            "a",
            { href: `#sidebar`, onclick: () => sessionStorage.setItem("sidebar.email", c.emails[0]!.value) },
            "Sidebar",
          )
        : "",
      " ",
      c.kind === "personal"
        ? action(
            "Delete",
            async () => {
              await ctx.client.call((api) =>
                api.DELETE("/v1/contacts/{id}", { params: { path: { id: c.id } } }),
              );
              say(`Deleted ${c.displayName}`);
              await ctx.refresh();
            },
            { "aria-label": `Delete ${c.displayName}` },
          )
        : "",
    ),
  ]);
}

export async function contactsView(ctx: ViewContext): Promise<HTMLElement> {
  const { contacts } = await ctx.client.call((c) =>
    c.GET("/v1/contacts", { params: { query: { limit: "100" } } }),
  );
  const results = h("div", { "aria-live": "polite" });
  const callerId = h("output", { "aria-live": "polite", id: "caller-id" });
  return h(
    "div",
    {},
    section(
      "Caller ID",
      form(
        async ({ phone }) => {
          const found = await ctx.client.call((c) =>
            c.GET("/v1/contacts/lookup", { params: { query: { phone: phone ?? "" } } }),
          );
          const match = found.contact;
          callerId.textContent = match ? `${match.displayName} (${match.kind})` : "Unknown caller";
        },
        field("Incoming number", "phone", { required: true, inputmode: "tel" }),
        h("button", {}, "Look up"),
      ),
      callerId,
    ),
    section(
      "Search",
      form(
        async ({ q }) => {
          const found = await ctx.client.call((c) =>
            c.GET("/v1/contacts/search", { params: { query: { q: q ?? "" } } }),
          );
          results.replaceChildren(
            table(
              ["Name", "Phones", "Emails", "Kind", "Sync", ""],
              contactRows(ctx, found.contacts as Contact[]),
              "Search results",
            ),
          );
        },
        field("Name, email or digits", "q", { required: true, type: "search" }),
        h("button", {}, "Search"),
      ),
      results,
    ),
    section(
      "Add a contact",
      form(
        async ({ givenName, familyName, phone }) => {
          await ctx.client.call((c) =>
            c.POST("/v1/contacts", {
              body: {
                givenName: givenName ?? "",
                familyName: familyName ?? "",
                ...(phone ? { phones: [{ value: phone }] } : {}),
              },
            }),
          );
          say(`Added ${givenName} ${familyName}`);
          await ctx.refresh();
        },
        field("Given name", "givenName", { required: true }),
        field("Family name", "familyName"),
        field("Phone", "phone", { inputmode: "tel" }),
        h("button", {}, "Add"),
      ),
    ),
    section(
      "Contacts",
      action("Sync with Google now", async () => {
        const answer = await ctx.client.call((c) => c.POST("/v1/contacts/sync"));
        say(`Sync requested (state ${answer.sync.state})`);
      }),
      " ",
      action("Reload", ctx.refresh),
      table(
        ["Name", "Phones", "Emails", "Kind", "Sync", ""],
        contactRows(ctx, contacts as Contact[]),
        "Contacts",
      ),
    ),
  );
}

export async function presenceView(ctx: ViewContext): Promise<HTMLElement> {
  const people = ctx.config.users.filter((u) => u.id);
  const { presence } = await ctx.client.call((c) =>
    c.GET("/v1/presence", { params: { query: { users: people.map((u) => u.id).join(",") } } }),
  );
  return section(
    "Presence board",
    h("p", {}, "Updates every 3 seconds from the calendars Switchboard can see."),
    table(
      ["Person", "State", "Reason", "Until", "Meeting"],
      presence.map((p, i) => [
        people[i]?.email ?? p.userId,
        h("span", { class: `state-${p.state}`, "data-user": p.userId }, p.state),
        p.reason,
        p.until ? new Date(p.until).toLocaleTimeString() : "",
        p.title ?? "",
      ]),
      "Presence",
    ),
  );
}

type Item = {
  id: string;
  subject?: string;
  title?: string;
  name?: string;
  date?: string;
  time?: string;
  link?: string;
};
type Section = { state: string; items: Item[]; current?: { title: string } | null };

export async function sidebarView(ctx: ViewContext): Promise<HTMLElement> {
  const email = sessionStorage.getItem("sidebar.email") ?? "";
  const out = h("div", { "aria-live": "polite" });
  const load = async (address: string) => {
    sessionStorage.setItem("sidebar.email", address);
    const data = await ctx.client.call((c) =>
      c.GET("/v1/sidebar/context", { params: { query: { email: address } } }),
    );
    const list = (title: string, s: Section, extra?: (i: Item) => HTMLElement | string) =>
      section(
        title,
        s.state === "ok" ? "" : h("p", {}, `(${s.state})`),
        h(
          "ul",
          {},
          ...s.items.map((i) =>
            h(
              "li",
              {},
              i.subject ?? i.title ?? i.name ?? i.id,
              i.date ? ` — ${i.date} ${i.time ?? ""}` : "",
              " ",
              extra?.(i) ?? "",
            ),
          ),
        ),
      );
    out.replaceChildren(
      data.events.current ? h("p", {}, `In a meeting now: ${data.events.current.title}`) : "",
      list("Shared emails", data.emails),
      list("Shared documents", data.documents),
      list("Events together", data.events, (i) => meetingButton(ctx, i.id)),
    );
  };
  if (email) await load(email);
  return h(
    "div",
    {},
    section(
      "Contact sidebar",
      form(
        async ({ email: e }) => load(e ?? ""),
        field("Their email", "email", { type: "email", required: true, value: email }),
        h("button", {}, "Show"),
      ),
    ),
    out,
  );
}

/** "Add meeting details" on an event: the join link, PIN and dial-in numbers go into the event. */
export function meetingButton(ctx: ViewContext, eventId: string): HTMLElement {
  return action(
    "Add meeting details",
    async () => {
      const added = await ctx.client.call((c) =>
        c.POST("/v1/calendar/events/{eventId}/meeting", { params: { path: { eventId } } }),
      );
      say(`Meeting details added: ${added.joinUrl}`);
    },
    { "aria-label": `Add meeting details to ${eventId}` },
  );
}

export async function integrationsView(ctx: ViewContext): Promise<HTMLElement> {
  const { integrations } = await ctx.client.call((c) => c.GET("/v1/integrations"));
  const connect = (name: string) =>
    action(`Connect ${name}`, async () => {
      const { authorizationUrl } = await ctx.client.call((c) =>
        c.POST("/v1/integrations/{name}/connect", {
          params: { path: { name } },
          body: { returnTo: ctx.config.returnTo },
        }),
      );
      location.assign(authorizationUrl);
    });
  return section(
    "Integrations",
    table(
      ["Integration", "What for", "Status", "Sync", ""],
      integrations.map((i) => [
        i.name,
        i.purpose,
        i.status,
        String(i.sync?.state ?? ""),
        i.status === "connected"
          ? action(`Disconnect ${i.name}`, async () => {
              await ctx.client.call((c) =>
                c.DELETE("/v1/integrations/{name}", { params: { path: { name: i.name } } }),
              );
              say(`${i.name} disconnected`);
              await ctx.refresh();
            })
          : connect(i.name),
      ]),
      "Integrations",
    ),
  );
}
