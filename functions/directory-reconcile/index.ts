import { cloudEvent } from "@google-cloud/functions-framework";
import { createDirectoryReconcileHandler } from "@switchboard/shared/directory/directory-reconcile";

cloudEvent("directory-reconcile", createDirectoryReconcileHandler());
