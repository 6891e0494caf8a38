/******************************************
  The outbound contract: every topic Switchboard publishes that no function
  consumes (presence-changed, user-provisioning, grant-status-changed, ...) is
  for the phone system. Its message schema is docs/events/<topic>.v1.schema.json.
  Each gets a subscription, so Pub/Sub keeps its messages (a topic without one
  drops them): a push to var.phone_system_push_endpoint/<topic> with an OIDC
  token, or, when that is null, a pull subscription the phone system reads.
  Both dead-letter to <topic>-dead-letter after var.outbound_max_delivery_attempts.
 *****************************************/

locals {
  outbound_push = var.phone_system_push_endpoint != null
}

# The identity Pub/Sub signs pushes to the phone system with; the phone system checks the token's email
# and audience (var.phone_system_audience, else the endpoint).
resource "google_service_account" "phone_system_push" {
  for_each = local.outbound_push ? toset(["push"]) : toset([])

  project      = var.project_id
  account_id   = "sb-phone-system-push"
  display_name = "Pub/Sub push of Switchboard events to the phone system"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account_iam_member" "phone_system_push_token_creator" {
  for_each = google_service_account.phone_system_push

  service_account_id = each.value.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

resource "google_pubsub_subscription" "outbound" {
  for_each = local.outbound_topics

  project                    = var.project_id
  name                       = "phone-system-${each.value}"
  topic                      = google_pubsub_topic.topic[each.value].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  # Publishers set an ordering key where order matters (one account's provisioning events).
  enable_message_ordering = true
  labels                  = merge(local.labels, { outbound = "phone-system" })

  dynamic "push_config" {
    for_each = local.outbound_push ? toset(["push"]) : toset([])
    content {
      push_endpoint = "${trimsuffix(var.phone_system_push_endpoint, "/")}/${each.value}"
      attributes = {
        "x-goog-version" = "v1"
      }

      oidc_token {
        service_account_email = google_service_account.phone_system_push["push"].email
        audience              = coalesce(var.phone_system_audience, var.phone_system_push_endpoint)
      }
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.value].id
    max_delivery_attempts = var.outbound_max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = var.retry_backoff.minimum
    maximum_backoff = var.retry_backoff.maximum
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_service_account_iam_member.phone_system_push_token_creator]
}

# The Pub/Sub service agent acks what it forwards to the dead-letter topic.
resource "google_pubsub_subscription_iam_member" "outbound_dead_letter_agent" {
  for_each = local.outbound_topics

  project      = var.project_id
  subscription = google_pubsub_subscription.outbound[each.value].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

# Pull delivery: the phone system's identity may read its subscriptions and nothing else.
resource "google_pubsub_subscription_iam_member" "outbound_pull_subscriber" {
  for_each = {
    for pair in setproduct(tolist(local.outbound_topics), var.phone_system_pull_members) :
    "${pair[0]}/${pair[1]}" => { topic = pair[0], member = pair[1] }
  }

  project      = var.project_id
  subscription = google_pubsub_subscription.outbound[each.value.topic].name
  role         = "roles/pubsub.subscriber"
  member       = each.value.member
}
