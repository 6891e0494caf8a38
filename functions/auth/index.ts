import { http } from "@google-cloud/functions-framework";
import { replyJsonOnBodyParseErrors } from "@switchboard/shared/platform/http-parse-errors";
import { tracedHttp } from "@switchboard/shared/platform/trace-context";
import { createAuthHandler } from "@switchboard/shared/wiring/roots/auth";

replyJsonOnBodyParseErrors();
http("auth", tracedHttp(createAuthHandler()));
