import { cloudEvent } from "@google-cloud/functions-framework";
import { createDirectoryWritebackRoot } from "@switchboard/shared/wiring/roots/directory-writeback";

cloudEvent("directory-writeback", createDirectoryWritebackRoot());
