// Acting as Google through the simulator's control API (proxied by the console server under /_sim/),
// so a newcomer sees each sync happen: add a contact to your Google account, start a meeting now in
// your calendar, suspend a person in the directory.
import { action, field, form, h, say, section, table } from "./dom";
import { meetingButton, type ViewContext } from "./user-views";

async function sim(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`/_sim${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok)
    throw new Error(`the simulated Google answered ${res.status}: ${JSON.stringify(data).slice(0, 200)}`);
  return data;
}

export async function googleView(ctx: ViewContext): Promise<HTMLElement> {
  const me = encodeURIComponent(ctx.me.email);
  const meetings = h("div", { "aria-live": "polite" });
  return h(
    "div",
    {},
    section(
      "Add a contact in Google Contacts",
      form(
        async ({ givenName, familyName, phone }) => {
          await sim("POST", `/users/${me}/contacts`, { givenName, familyName, phones: phone ? [phone] : [] });
          say(`Added ${givenName} ${familyName} in Google; "Sync with Google now" brings it over.`);
        },
        field("Given name", "givenName", { required: true }),
        field("Family name", "familyName"),
        field("Phone", "phone", { inputmode: "tel" }),
        h("button", {}, "Add in Google"),
      ),
    ),
    section(
      "Start a meeting now in your calendar",
      action("Start a 30-minute meeting", async () => {
        const now = Date.now();
        const event = await sim("POST", `/calendar/users/${me}/events`, {
          summary: "Console meeting",
          // Public, so colleagues see its title on the presence board (private titles are never stored).
          visibility: "public",
          start: { dateTime: new Date(now - 60_000).toISOString() },
          end: { dateTime: new Date(now + 30 * 60_000).toISOString() },
        });
        say("Meeting started in Google Calendar; presence follows the push.");
        meetings.append(h("p", {}, `Meeting ${String(event.id)} `, meetingButton(ctx, String(event.id))));
      }),
      meetings,
    ),
    section(
      "Suspend a person in the directory",
      table(
        ["Person", ""],
        ctx.config.users
          .filter((u) => u.email !== ctx.me.email)
          .map((u) => [
            u.email,
            action(
              "Suspend",
              async () => {
                await sim("POST", `/users/${encodeURIComponent(u.email)}/suspend`);
                say(`${u.email} suspended in Google; provisioning follows the directory.`);
              },
              { "aria-label": `Suspend ${u.email}` },
            ),
          ]),
        "Directory people",
      ),
    ),
  );
}
