import { cloudEvent } from "@google-cloud/functions-framework";
import { directoryEnvironmentWithTeardowns } from "@switchboard/shared/api/integration-teardowns";
import { createDirectorySyncHandler } from "@switchboard/shared/directory/directory-sync-worker";

cloudEvent("directory-sync", createDirectorySyncHandler(directoryEnvironmentWithTeardowns));
