import { cloudEvent } from "@google-cloud/functions-framework";
import { createTokenRefreshRoot } from "@switchboard/shared/wiring/roots/token-refresh";

cloudEvent("token-refresh", createTokenRefreshRoot());
