import { cloudEvent } from "@google-cloud/functions-framework";
import { createCalendarSyncRoot } from "@switchboard/shared/wiring/roots/calendar-sync";

cloudEvent("calendar-sync", createCalendarSyncRoot());
