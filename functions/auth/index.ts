import { http } from "@google-cloud/functions-framework";
import { replyJsonOnBodyParseErrors } from "@switchboard/shared/platform/http-parse-errors";
import { createAuthHandler } from "@switchboard/shared/wiring/roots/auth";

replyJsonOnBodyParseErrors();
http("auth", createAuthHandler());
