import { cloudEvent } from "@google-cloud/functions-framework";
import { createContactSyncFanoutRoot } from "@switchboard/shared/wiring/roots/contact-sync-fanout";

cloudEvent("contact-sync-fanout", createContactSyncFanoutRoot());
