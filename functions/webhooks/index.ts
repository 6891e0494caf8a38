import { http } from "@google-cloud/functions-framework";
import { createWebhooksHandler } from "@switchboard/shared/api/webhooks-app";
import { replyJsonOnBodyParseErrors } from "@switchboard/shared/platform/http-parse-errors";

replyJsonOnBodyParseErrors();
http("webhooks", createWebhooksHandler());
