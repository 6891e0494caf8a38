import { cloudEvent } from "@google-cloud/functions-framework";
import { createPresenceSweepRoot } from "@switchboard/shared/wiring/roots/presence-sweep";

cloudEvent("presence-sweep", createPresenceSweepRoot());
