import { cloudEvent } from "@google-cloud/functions-framework";
import { createDirectorySyncRoot } from "@switchboard/shared/wiring/roots/directory-sync";

cloudEvent("directory-sync", createDirectorySyncRoot());
