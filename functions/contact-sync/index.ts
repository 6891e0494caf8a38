import { cloudEvent } from "@google-cloud/functions-framework";
import { createContactSyncHandler } from "@switchboard/shared/contacts/contact-sync-worker";

cloudEvent("contact-sync", createContactSyncHandler());
