import { cloudEvent } from "@google-cloud/functions-framework";
import { createChannelRenewalRoot } from "@switchboard/shared/wiring/roots/channel-renewal";

cloudEvent("channel-renewal", createChannelRenewalRoot());
