import { http } from "@google-cloud/functions-framework";
import { replyJsonOnBodyParseErrors } from "@switchboard/shared/platform/http-parse-errors";
import { tracedHttp } from "@switchboard/shared/platform/trace-context";
import { createWebhooksHandler } from "@switchboard/shared/wiring/roots/webhooks";

replyJsonOnBodyParseErrors();
http("webhooks", tracedHttp(createWebhooksHandler()));
