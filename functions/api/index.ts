import { http } from "@google-cloud/functions-framework";
import { createApiHandler } from "@switchboard/shared/api/api-app";
import { replyJsonOnBodyParseErrors } from "@switchboard/shared/platform/http-parse-errors";

replyJsonOnBodyParseErrors();
http("api", createApiHandler());
