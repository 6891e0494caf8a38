import { cloudEvent } from "@google-cloud/functions-framework";
import { createCalendarSyncHandler } from "@switchboard/shared/presence/presence-workers";

cloudEvent("calendar-sync", createCalendarSyncHandler());
