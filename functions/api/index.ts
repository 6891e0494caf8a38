import { http } from "@google-cloud/functions-framework";
import { replyJsonOnBodyParseErrors } from "@switchboard/shared/platform/http-parse-errors";
import { tracedHttp } from "@switchboard/shared/platform/trace-context";
import { createApiHandler } from "@switchboard/shared/wiring/roots/api";

replyJsonOnBodyParseErrors();
http("api", tracedHttp(createApiHandler()));
