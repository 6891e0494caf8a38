import { cloudEvent } from "@google-cloud/functions-framework";
import { createTokenRefreshHandler } from "@switchboard/shared/identity/token-refresh-worker";

cloudEvent("token-refresh", createTokenRefreshHandler());
