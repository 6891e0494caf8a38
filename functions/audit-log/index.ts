import { cloudEvent } from "@google-cloud/functions-framework";
import { createAuditLogRoot } from "@switchboard/shared/wiring/roots/audit-log";

cloudEvent("audit-log", createAuditLogRoot());
