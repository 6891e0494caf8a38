/******************************************
  A Pub/Sub-driven Cloud Function (2nd gen): topic and schedule functions.
  The function itself comes from modules/cloud-function; this module adds how
  messages reach it.

  Delivery is a Terraform-owned push subscription, not an Eventarc trigger,
  because the subscription Eventarc creates cannot be given a dead-letter
  policy from Terraform (see terraform/README.md, "Dead-letter design").
 *****************************************/

locals {
  topic_name = element(split("/", var.topic_id), 3)
  uri        = module.function.uri

  # The Functions Framework turns a raw Pub/Sub push body into a
  # google.cloud.pubsub.topic.v1.messagePublished CloudEvent and reads the topic from
  # the request path, so the endpoint is <uri>/projects/<p>/topics/<t> (as in tools/stack/pubsub-wiring.ts).
  push_endpoint = "${local.uri}/${var.topic_id}"

  # For push, the ack deadline is how long Pub/Sub waits for the response: cover the function timeout.
  ack_deadline_seconds = min(600, max(10, var.function.timeout_seconds))

  # retry false: no backoff loop, the floor of attempts 10 s apart, then the dead-letter topic.
  backoff = var.retry ? var.retry_backoff : { minimum = "10s", maximum = "10s" }
}

module "function" {
  source = "../cloud-function"

  function         = var.function
  ingress_settings = var.ingress_settings
}

# State written before the function moved into modules/cloud-function: same object, new address.
moved {
  from = google_cloudfunctions2_function.function
  to   = module.function.google_cloudfunctions2_function.function
}

/******************************************
  Push identity: Pub/Sub signs each push with an OIDC token for this
  service account, which may invoke this function and nothing else.
 *****************************************/

resource "google_service_account" "invoker" {
  project      = var.function.project_id
  account_id   = var.invoker_account_id
  display_name = "Pub/Sub push to ${var.function.name}"
}

resource "google_cloud_run_service_iam_member" "invoker" {
  project  = var.function.project_id
  location = var.function.region
  service  = module.function.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.invoker.email}"
}

# Lets the Pub/Sub service agent mint the OIDC token (required in projects created before 2021-04-08).
resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${var.pubsub_service_agent_email}"
}

/******************************************
  The consumer: push subscription with dead-letter and retry policies
 *****************************************/

resource "google_pubsub_subscription" "push" {
  project                    = var.function.project_id
  name                       = "${var.function.name}-push"
  topic                      = var.topic_id
  ack_deadline_seconds       = local.ack_deadline_seconds
  message_retention_duration = "604800s"
  labels                     = var.function.labels

  # Ordered functions (manifest "ordered"): publishers set ordering key = user, so one user's writes
  # reach the function in order.
  enable_message_ordering = var.message_ordering

  push_config {
    push_endpoint = local.push_endpoint

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = local.uri
    }
  }

  dead_letter_policy {
    dead_letter_topic     = var.dead_letter_topic_id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = local.backoff.minimum
    maximum_backoff = local.backoff.maximum
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_cloud_run_service_iam_member.invoker,
    google_service_account_iam_member.pubsub_token_creator,
  ]
}

# The Pub/Sub service agent acks a message on this subscription when it forwards it to the dead-letter topic.
resource "google_pubsub_subscription_iam_member" "pubsub_agent_subscriber" {
  project      = var.function.project_id
  subscription = google_pubsub_subscription.push.name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${var.pubsub_service_agent_email}"
}

/******************************************
  Schedule functions: Cloud Scheduler publishes a tick to the function's topic
 *****************************************/

resource "google_cloud_scheduler_job" "tick" {
  for_each = { for kind, schedule in { tick = var.schedule } : kind => schedule if schedule != null }

  project     = var.function.project_id
  region      = var.function.region
  name        = "${var.function.name}-tick"
  description = "Wakes ${var.function.name} through ${local.topic_name}."
  schedule    = each.value.cron
  time_zone   = each.value.time_zone

  retry_config {
    retry_count          = each.value.retry_count
    min_backoff_duration = "10s"
    max_backoff_duration = "300s"
  }

  pubsub_target {
    topic_name = var.topic_id
    # Non-empty data: the Functions Framework only converts push bodies whose message carries data.
    data = base64encode(jsonencode({ function = var.function.name, schedule = each.value.cron, timeZone = each.value.time_zone }))
    attributes = {
      source   = "cloud-scheduler"
      function = var.function.name
    }
  }
}
