import { cloudEvent } from "@google-cloud/functions-framework";
import { createChannelRenewalHandler } from "@switchboard/shared/presence/presence-workers";

cloudEvent("channel-renewal", createChannelRenewalHandler());
