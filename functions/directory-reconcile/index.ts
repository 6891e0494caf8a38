import { cloudEvent } from "@google-cloud/functions-framework";
import { createDirectoryReconcileRoot } from "@switchboard/shared/wiring/roots/directory-reconcile";

cloudEvent("directory-reconcile", createDirectoryReconcileRoot());
