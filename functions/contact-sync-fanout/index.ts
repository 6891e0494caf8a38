import { cloudEvent } from "@google-cloud/functions-framework";
import { createContactSyncFanoutHandler } from "@switchboard/shared/contacts/contact-sync-fanout";

cloudEvent("contact-sync-fanout", createContactSyncFanoutHandler());
