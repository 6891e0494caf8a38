import { cloudEvent } from "@google-cloud/functions-framework";
import { createAuditLogHandler } from "@switchboard/shared/audit/audit-log-worker";

cloudEvent("audit-log", createAuditLogHandler());
