import { http } from "@google-cloud/functions-framework";
import { createAuthHandler } from "@switchboard/shared/identity/auth-app";
import { replyJsonOnBodyParseErrors } from "@switchboard/shared/platform/http-parse-errors";

replyJsonOnBodyParseErrors();
http("auth", createAuthHandler());
