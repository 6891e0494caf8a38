// A few DOM helpers instead of a framework: the console is small and loads fast without one.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | boolean | ((event: Event) => void) | undefined>;

/** Creates an element: attributes (on* keys are listeners, booleans toggle) and children. */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** A table with a header row; each row is a list of cells. */
export function table(headers: string[], rows: Child[][], label: string): HTMLElement {
  return h(
    "table",
    { "aria-label": label },
    h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((cell) => h("td", {}, cell))))),
  );
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** A labelled input; its value is read from the form on submit. */
export const field = (label: string, name: string, attrs: Attrs = {}) =>
  h("label", {}, label, h("input", { name, ...attrs }));

/** A form whose submit handler receives its fields; the page never reloads. */
export function form(onSubmit: (values: Record<string, string>) => Promise<void>, ...children: Child[]) {
  return h(
    "form",
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        const data = new FormData(event.target as HTMLFormElement);
        void onSubmit(Object.fromEntries([...data].map(([k, v]) => [k, String(v)]))).catch(showError);
      },
    },
    ...children,
  );
}

export function say(text: string): void {
  const status = document.getElementById("status")!;
  status.className = "";
  status.textContent = text;
}

export function showError(error: unknown): void {
  const status = document.getElementById("status")!;
  const e = error as { code?: string; message?: string; status?: number };
  status.className = "error";
  status.textContent = e.code ? `${e.status ?? ""} ${e.code}: ${e.message}` : String(e.message ?? error);
}

/** A button whose click runs `work`, reporting its failure. */
export const action = (label: string, work: () => Promise<void>, attrs: Attrs = {}) =>
  h("button", { type: "button", ...attrs, onclick: () => void work().catch(showError) }, label);
