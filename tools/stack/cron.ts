// A small cron evaluator for the local scheduler: five fields (minute hour day-of-month month
// day-of-week) with *, lists, ranges and steps, evaluated in an IANA time zone as Cloud Scheduler does.

type Field = Set<number>;

const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function parseField(text: string, [min, max]: [number, number]): Field {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let [from, to] = [min, max];
    if (range !== "*") {
      const [a, b] = (range ?? "").split("-");
      from = Number(a);
      to = b === undefined ? (stepText === undefined ? from : max) : Number(b);
    }
    if (![from, to, step].every(Number.isInteger) || from < min || to > max || from > to || step < 1) {
      throw new Error(`Invalid cron field "${text}" (allowed ${min}-${max})`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export interface Cron {
  matches(date: Date): boolean;
  next(after: Date): Date;
}

export function parseCron(expression: string, timeZone = "Etc/UTC"): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`Cron "${expression}" must have 5 fields`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) =>
    parseField(p, RANGES[i] as [number, number]),
  ) as [Field, Field, Field, Field, Field];
  if (dow.has(7)) dow.add(0);
  const domAny = parts[2] === "*";
  const dowAny = parts[4] === "*";
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    minute: "numeric",
    hour: "numeric",
    day: "numeric",
    month: "numeric",
    weekday: "short",
  });
  const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const matches = (date: Date) => {
    const p = Object.fromEntries(format.formatToParts(date).map((x) => [x.type, x.value]));
    const dayOk = (d: boolean, w: boolean) => (domAny || dowAny ? d && w : d || w); // cron's OR rule
    return (
      minute.has(Number(p.minute)) &&
      hour.has(Number(p.hour)) &&
      month.has(Number(p.month)) &&
      dayOk(dom.has(Number(p.day)), dow.has(WEEKDAYS.indexOf(p.weekday ?? "")))
    );
  };
  return {
    matches,
    next(after) {
      const t = new Date(after.getTime());
      t.setUTCSeconds(0, 0);
      for (let i = 0; i < 366 * 24 * 60; i++) {
        t.setUTCMinutes(t.getUTCMinutes() + 1);
        if (matches(t)) return new Date(t);
      }
      throw new Error(`Cron "${expression}" never fires within a year`);
    },
  };
}
