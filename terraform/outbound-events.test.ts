// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are HCL interpolations as hcl2json renders them, not JS templates.
// The outbound contract: every topic some function publishes is either consumed by a function or
// delivered to the phone system (push with OIDC, or pull) with dead-lettering, and has a versioned JSON
// Schema in docs/events/. A published topic nobody receives is a failure here: Pub/Sub drops messages on
// a topic without subscriptions.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { allTopics, FunctionSpec, loadManifest, type Manifest } from "../functions/manifest";
import { OUTBOUND_EVENTS, outboundTopics, schemaPath } from "../tools/generate/outbound-events";

type Json = Record<string, unknown>;
const TF_DIR = fileURLToPath(new URL(".", import.meta.url));
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Json;
let locals: Json = {};
let outbound: Json = {};
let eventPush: Json = {};
const manifest = loadManifest();

beforeAll(async () => {
  const read = async (file: string) => (await parse(file, readFileSync(join(TF_DIR, file), "utf8"))) as Json;
  const main = await read("main.tf");
  locals = Object.assign({}, ...(main.locals as Json[]));
  outbound = first(((await read("outbound-events.tf")).resource as Json).google_pubsub_subscription);
  outbound = first(outbound.outbound);
  eventPush = first(
    first(((await read("modules/event-function/main.tf")).resource as Json).google_pubsub_subscription).push,
  );
});

/** What receives each topic, by the HCL: event functions' push subscriptions and the outbound ones. */
function receivers(m: Manifest): Map<string, string[]> {
  expect(String(locals.consumed_topics)).toMatch(/for fn in local\.event_functions : fn\.topic/);
  expect(String(locals.outbound_topics)).toBe(
    "${setsubtract(local.published_topics, local.consumed_topics)}",
  );
  expect(outbound.for_each).toBe("${local.outbound_topics}");
  expect(eventPush.topic).toBe("${var.topic_id}");
  const byTopic = new Map<string, string[]>(allTopics(m).map((t) => [t, []]));
  for (const fn of m.functions) if (fn.topic) byTopic.get(fn.topic)?.push(`${fn.name}-push`);
  for (const topic of outboundTopics(m)) byTopic.get(topic)?.push(`phone-system-${topic}`);
  return byTopic;
}

describe("the outbound contract", () => {
  it("gives every published topic a subscription (a function's or the phone system's)", () => {
    for (const [topic, subs] of receivers(manifest)) expect(subs, topic).not.toEqual([]);
    expect(outboundTopics(manifest)).toEqual(
      expect.arrayContaining(["grant-status-changed", "presence-changed", "user-provisioning"]),
    );
  });

  it("has a versioned JSON Schema, generated from the publisher's zod schema, for every outbound topic", () => {
    expect(OUTBOUND_EVENTS.map((e) => e.message.topic).sort()).toEqual(outboundTopics(manifest));
    for (const event of OUTBOUND_EVENTS) {
      const path = join(TF_DIR, "..", schemaPath(event));
      expect(existsSync(path), path).toBe(true);
      const schema = JSON.parse(readFileSync(path, "utf8")) as { $id: string; required: string[] };
      expect(schema.$id).toBe(`urn:switchboard:event:${event.message.topic}:v${event.version}`);
      expect(schema.required.length).toBeGreaterThan(0);
    }
  });

  it("fails for a newly published topic that has no schema (what the check above catches)", () => {
    const orphan = FunctionSpec.parse({
      ...manifest.functions[0],
      name: "extra",
      publishes: ["orphan-events"],
    });
    const widened = { functions: [...manifest.functions, orphan] };
    const covered = new Set(OUTBOUND_EVENTS.map((e) => e.message.topic));
    expect(outboundTopics(widened).filter((t) => !covered.has(t))).toEqual(["orphan-events"]);
  });

  it("pushes to <endpoint>/<topic> with an OIDC token, or leaves a pull subscription when no endpoint is set", () => {
    const push = first((first(outbound.dynamic) as Json).push_config);
    expect(push.for_each).toBe('${local.outbound_push ? toset(["push"]) : toset([])}');
    const content = first(push.content);
    expect(content.push_endpoint).toBe('${trimsuffix(var.phone_system_push_endpoint, "/")}/${each.value}');
    expect(first(content.oidc_token)).toMatchObject({
      service_account_email: '${google_service_account.phone_system_push["push"].email}',
    });
  });

  it("dead-letters undeliverable events to <topic>-dead-letter, which the dead-letter topics include", () => {
    expect(first(outbound.dead_letter_policy)).toEqual({
      dead_letter_topic: "${google_pubsub_topic.dead_letter[each.value].id}",
      max_delivery_attempts: "${var.outbound_max_delivery_attempts}",
    });
    expect(String(locals.dead_letter_topics)).toContain(
      "setunion(local.consumed_topics, local.outbound_topics)",
    );
    expect(first(outbound.expiration_policy).ttl).toBe("");
  });
});
