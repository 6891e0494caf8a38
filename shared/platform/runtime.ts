// The process's real adapters, each created on first use (never at import, so cold starts stay short
// and a misconfiguration surfaces as a clear error on the request that needs it).
import type { Firestore } from "@google-cloud/firestore";
import { config } from "./config";
import { firestore } from "./firestore";
import { type EventPublisher, pubsubPublisher } from "./pubsub";
import { defaultSecretManagerClient, localFileStore, type SecretStore, secretManagerStore } from "./secrets";

const once = <T>(make: () => T): (() => T) => {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: make() };
    return value.v;
  };
};

export const runtime = {
  db: once((): Firestore => firestore(config().GOOGLE_CLOUD_PROJECT)),
  publisher: once((): EventPublisher => pubsubPublisher(config().GOOGLE_CLOUD_PROJECT)),
  secrets: once((): SecretStore => {
    const c = config();
    return c.SECRETS_BACKEND === "local" && c.LOCAL_SECRETS_FILE
      ? localFileStore(c.LOCAL_SECRETS_FILE)
      : secretManagerStore(c.GOOGLE_CLOUD_PROJECT, defaultSecretManagerClient());
  }),
};
