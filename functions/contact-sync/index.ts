import { cloudEvent } from "@google-cloud/functions-framework";
import { createContactSyncRoot } from "@switchboard/shared/wiring/roots/contact-sync";

cloudEvent("contact-sync", createContactSyncRoot());
