import { cloudEvent } from "@google-cloud/functions-framework";
import { createPresenceSweepHandler } from "@switchboard/shared/presence/presence-workers";

cloudEvent("presence-sweep", createPresenceSweepHandler());
