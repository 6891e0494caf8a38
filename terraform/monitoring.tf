/******************************************
  Observability: log-based metrics over the functions' structured logs
  (shared/platform/logger.ts: jsonPayload.event is the event name), alert
  policies sent to var.notification_channels, and one dashboard.
  docs/runbooks/ says what to do when each alert fires.
 *****************************************/

locals {
  # Counters of one log event each: name => the event the code logs (monitoring.test.ts checks it exists).
  event_metrics = {
    token_refresh_failures   = { event = "token_refresh.failed", description = "Scheduled token refreshes that failed (a Google grant could not be kept alive)." }
    needs_reauth             = { event = "grant.needs_reauth", description = "Grants marked needs_reauth: Google refused their refresh token; the user must reconnect." }
    channel_renewal_failures = { event = "calendar.renewal_failed", description = "Calendar watch channels whose renewal failed (the user falls back to polling)." }
  }

  user_metric = { for name in concat(keys(local.event_metrics), ["function_errors", "stale_sync_cursors"]) : name => "logging.googleapis.com/user/switchboard/${name}" }

  # Alerts on the counters: metric, threshold (over the window), window.
  event_alerts = {
    token_refresh_failures = {
      display   = "Token refresh failing"
      threshold = var.alert_thresholds.token_refresh_failures
      window    = "1800s"
      runbook   = "A scheduled refresh failed: check Google's status, the oauth-client-secret secret (npm run secrets -- check) and the token-refresh logs."
    }
    needs_reauth = {
      display   = "Spike of grants needing re-authorisation"
      threshold = var.alert_thresholds.needs_reauth_per_hour
      window    = "3600s"
      runbook   = "Google refused many refresh tokens: a revoked OAuth client, a rotated client secret not in Secret Manager, or an org removing the app (docs/runbooks/offboard-organisation.md)."
    }
    channel_renewal_failures = {
      display   = "Calendar channel renewals failing"
      threshold = var.alert_thresholds.channel_renewal_failures_per_hour
      window    = "3600s"
      runbook   = "Watch channel renewals failed; users are on polling. Check PUBLIC_WEBHOOKS_URL (the webhooks /readyz) and Google's Calendar status."
    }
  }
}

resource "google_logging_metric" "event" {
  for_each = local.event_metrics

  project     = var.project_id
  name        = "switchboard/${each.key}"
  description = each.value.description
  filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.event=\"${each.value.event}\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }

  depends_on = [google_project_service.enabled]
}

# Every ERROR line, by function (Error Reporting groups the same lines by stack).
resource "google_logging_metric" "function_errors" {
  project     = var.project_id
  name        = "switchboard/function_errors"
  description = "Error log lines of the Switchboard functions, by function."
  filter      = "resource.type=\"cloud_run_revision\" AND severity>=ERROR AND resource.labels.service_name=~\"^(${join("|", sort(keys(local.functions)))})$\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "function"
      value_type  = "STRING"
      description = "The function (Cloud Run service) name."
    }
  }

  label_extractors = {
    function = "EXTRACT(resource.labels.service_name)"
  }

  depends_on = [google_project_service.enabled]
}

# Calendar sync cursors not advanced for an hour, as counted by each hourly channel-renewal run
# (channels.renewal's `reconciled`: users it had to resync because nothing synced them meanwhile).
resource "google_logging_metric" "stale_sync_cursors" {
  project         = var.project_id
  name            = "switchboard/stale_sync_cursors"
  description     = "Calendar sync cursors older than an hour found by the hourly channel renewal."
  filter          = "resource.type=\"cloud_run_revision\" AND jsonPayload.event=\"channels.renewal\" AND jsonPayload.duplicate=false"
  value_extractor = "EXTRACT(jsonPayload.reconciled)"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "1"
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 16
      growth_factor      = 2
      scale              = 1
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "event" {
  for_each = local.event_alerts

  project               = var.project_id
  display_name          = "Switchboard: ${each.value.display}"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "${each.value.display} (more than ${each.value.threshold} in ${each.value.window})"
    condition_threshold {
      filter          = "metric.type=\"${local.user_metric[each.key]}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = each.value.threshold
      duration        = "0s"
      aggregations {
        alignment_period     = each.value.window
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    content   = each.value.runbook
    mime_type = "text/markdown"
  }

  depends_on = [google_logging_metric.event]
}

resource "google_monitoring_alert_policy" "dead_letters" {
  project               = var.project_id
  display_name          = "Switchboard: dead letters waiting"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "A dead-letter subscription holds a message"
    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=monitoring.regex.full_match(\".*-dead-letter-inspect\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "300s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "Messages failed every delivery attempt. List, fix the cause, replay or purge: docs/runbooks/dead-letters.md (npm run dlq -- list --project ${var.project_id})."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "http_5xx_ratio" {
  project               = var.project_id
  display_name          = "Switchboard: 5xx ratio of the HTTP functions"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "More than ${var.alert_thresholds.http_5xx_ratio * 100}% of requests answered 5xx over 5 minutes"
    condition_threshold {
      filter             = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND metric.labels.response_code_class=\"5xx\" AND ${local.http_services_filter}"
      denominator_filter = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND ${local.http_services_filter}"
      comparison         = "COMPARISON_GT"
      threshold_value    = var.alert_thresholds.http_5xx_ratio
      duration           = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }

  documentation {
    content   = "The api, auth or webhooks answer 5xx: Error Reporting groups the errors by stack; /readyz names missing configuration or an unreachable Firestore."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "function_errors" {
  project               = var.project_id
  display_name          = "Switchboard: function error rate"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "More than ${var.alert_thresholds.function_errors_per_5m} error lines in 5 minutes in one function"
    condition_threshold {
      filter          = "metric.type=\"${local.user_metric["function_errors"]}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_thresholds.function_errors_per_5m
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.labels.function"]
      }
    }
  }

  documentation {
    content   = "A function logs errors: open Error Reporting (grouped by stack, with causes) and the function's logs; transient failures are redelivered, repeated ones end in dead letters (docs/runbooks/dead-letters.md)."
    mime_type = "text/markdown"
  }

  depends_on = [google_logging_metric.function_errors]
}

resource "google_monitoring_alert_policy" "stale_sync_cursors" {
  project               = var.project_id
  display_name          = "Switchboard: calendar sync cursors going stale"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "More than ${var.alert_thresholds.stale_sync_cursors} cursors older than an hour at the hourly renewal"
    condition_threshold {
      filter          = "metric.type=\"${local.user_metric["stale_sync_cursors"]}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_thresholds.stale_sync_cursors
      duration        = "0s"
      aggregations {
        alignment_period     = "3600s"
        per_series_aligner   = "ALIGN_PERCENTILE_99"
        cross_series_reducer = "REDUCE_MAX"
      }
    }
  }

  documentation {
    content   = "Many users' calendars were not synced for an hour: Google's pushes are not arriving (webhooks reachable? channel renewals failing?) or calendar-sync is dead-lettering."
    mime_type = "text/markdown"
  }

  depends_on = [google_logging_metric.stale_sync_cursors]
}

locals {
  http_services_filter = "resource.labels.service_name=monitoring.regex.full_match(\"${join("|", keys(local.http_functions))}\")"

  dashboard_tile = {
    for name, spec in {
      requests_5xx       = { title = "HTTP 5xx per function", filter = "metric.type=\"run.googleapis.com/request_count\" AND metric.labels.response_code_class=\"5xx\"", group = "resource.labels.service_name" }
      function_errors    = { title = "Error lines per function", filter = "metric.type=\"${local.user_metric["function_errors"]}\"", group = "metric.labels.function" }
      needs_reauth       = { title = "Grants needing re-authorisation", filter = "metric.type=\"${local.user_metric["needs_reauth"]}\"", group = "" }
      refresh_failures   = { title = "Token refresh failures", filter = "metric.type=\"${local.user_metric["token_refresh_failures"]}\"", group = "" }
      renewal_failures   = { title = "Channel renewal failures", filter = "metric.type=\"${local.user_metric["channel_renewal_failures"]}\"", group = "" }
      dead_letters       = { title = "Dead letters waiting", filter = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.labels.subscription_id=monitoring.regex.full_match(\".*-dead-letter-inspect\")", group = "resource.labels.subscription_id" }
      outbound_backlog   = { title = "Phone-system events not yet delivered", filter = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.labels.subscription_id=monitoring.regex.full_match(\"phone-system-.*\")", group = "resource.labels.subscription_id" }
      request_latencies  = { title = "Request latency (p95) per function", filter = "metric.type=\"run.googleapis.com/request_latencies\"", group = "resource.labels.service_name" }
    } : name => spec
  }
}

resource "google_monitoring_dashboard" "switchboard" {
  project = var.project_id
  dashboard_json = jsonencode({
    displayName = "Switchboard"
    mosaicLayout = {
      columns = 12
      tiles = [
        for i, name in sort(keys(local.dashboard_tile)) : {
          xPos   = (i % 2) * 6
          yPos   = floor(i / 2) * 4
          width  = 6
          height = 4
          widget = {
            title = local.dashboard_tile[name].title
            xyChart = {
              dataSets = [{
                plotType = "LINE"
                timeSeriesQuery = {
                  timeSeriesFilter = {
                    filter = local.dashboard_tile[name].filter
                    aggregation = {
                      alignmentPeriod    = "300s"
                      perSeriesAligner   = name == "request_latencies" ? "ALIGN_PERCENTILE_95" : (startswith(local.dashboard_tile[name].filter, "metric.type=\"pubsub") ? "ALIGN_MAX" : "ALIGN_SUM")
                      crossSeriesReducer = local.dashboard_tile[name].group == "" ? "REDUCE_SUM" : (name == "request_latencies" ? "REDUCE_MAX" : "REDUCE_SUM")
                      groupByFields      = local.dashboard_tile[name].group == "" ? [] : [local.dashboard_tile[name].group]
                    }
                  }
                }
              }]
            }
          }
        }
      ]
    }
  })
}
