import { cloudEvent } from "@google-cloud/functions-framework";
import { createDirectorySyncHandler } from "@switchboard/shared/directory/directory-sync-worker";

cloudEvent("directory-sync", createDirectorySyncHandler());
