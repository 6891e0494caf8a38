import { cloudEvent } from "@google-cloud/functions-framework";
import { createDirectoryWriteBackHandler } from "@switchboard/shared/directory/writeback/writeback-worker";

cloudEvent("directory-writeback", createDirectoryWriteBackHandler());
