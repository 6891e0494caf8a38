output "function_uris" {
  description = "HTTPS URI of every function, by name."
  value = merge(
    { for name, fn in module.http_function : name => fn.function.uri },
    { for name, fn in module.event_function : name => fn.function.uri },
  )
}

output "public_function_uris" {
  description = "URIs of the http functions anyone may call (the client apps' API)."
  value       = { for name, fn in module.http_function : name => fn.function.uri if fn.public }
}

output "service_accounts" {
  description = "Runtime service account email of every function, by name."
  value       = { for name, sa in google_service_account.function : name => sa.email }
}

output "push_invoker_service_accounts" {
  description = "Service account Pub/Sub pushes as, for every topic and schedule function."
  value       = { for name, fn in module.event_function : name => fn.invoker_service_account_email }
}

output "topics" {
  description = "Every Pub/Sub topic (consumed and published), by name."
  value       = { for name, topic in google_pubsub_topic.topic : name => topic.id }
}

output "dead_letter_topics" {
  description = "Dead-letter topic of every consumed topic, by consumed topic name."
  value       = { for name, topic in google_pubsub_topic.dead_letter : name => topic.id }
}

output "dead_letter_subscriptions" {
  description = "Pull subscription holding the dead letters of every consumed topic, by consumed topic name."
  value       = { for name, sub in google_pubsub_subscription.dead_letter : name => sub.id }
}

output "subscriptions" {
  description = "Push subscription of every topic and schedule function, by function name."
  value       = { for name, fn in module.event_function : name => fn.subscription }
}

output "scheduler_jobs" {
  description = "Cloud Scheduler job of every schedule function, by function name."
  value       = { for name, fn in module.event_function : name => fn.scheduler_job if fn.scheduler_job != null }
}

output "secrets" {
  description = "Secret Manager secret ids (containers only; add versions out of band)."
  value       = sort([for secret in google_secret_manager_secret.secret : secret.secret_id])
}

output "source_bucket" {
  description = "Bucket holding the function bundles."
  value       = local.source_bucket
}

output "firestore_database" {
  description = "Firestore database id."
  value       = google_firestore_database.database.id
}

output "function_config" {
  description = "The configuration every function runs with (function_config over what Terraform derives); no secrets."
  value       = { for k, v in local.environment_variables : k => v if !contains(["FUNCTION_REGION", "LOG_EXECUTION_ID"], k) }
}

output "saml_acs_url" {
  description = "The ACS URL to enter in the Google Workspace SAML app (<PUBLIC_AUTH_URL>/saml/acs)."
  value       = "${trimsuffix(local.environment_variables["PUBLIC_AUTH_URL"], "/")}/saml/acs"
}

output "oauth_redirect_uri" {
  description = "The redirect URI to register on the Google OAuth client (OAUTH_REDIRECT_URL, else <PUBLIC_AUTH_URL>/oauth/google/callback)."
  value       = lookup(local.environment_variables, "OAUTH_REDIRECT_URL", "${trimsuffix(local.environment_variables["PUBLIC_AUTH_URL"], "/")}/oauth/google/callback")
}

output "firestore_rules_release" {
  description = "The Security Rules release of the (default) database (deny-all for client SDKs)."
  value       = google_firebaserules_release.firestore.id
}

output "outbound_subscriptions" {
  description = "The phone system's subscription of every outbound topic (push or pull), by topic."
  value       = { for topic, sub in google_pubsub_subscription.outbound : topic => sub.id }
}

output "phone_system_push_service_account" {
  description = "The account Pub/Sub signs pushes to the phone system as (null for pull delivery): the phone system checks it."
  value       = try(google_service_account.phone_system_push["push"].email, null)
}

output "dashboard" {
  description = "The Cloud Monitoring dashboard of Switchboard."
  value       = google_monitoring_dashboard.switchboard.id
}

output "alert_policies" {
  description = "Every Switchboard alert policy, by name."
  value = merge(
    { for name, p in google_monitoring_alert_policy.event : name => p.name },
    {
      dead_letters       = google_monitoring_alert_policy.dead_letters.name
      http_5xx_ratio     = google_monitoring_alert_policy.http_5xx_ratio.name
      function_errors    = google_monitoring_alert_policy.function_errors.name
      stale_sync_cursors = google_monitoring_alert_policy.stale_sync_cursors.name
    },
  )
}

output "edge_ip_address" {
  description = "The public edge's address: point edge_domain's A record here (null when the edge is off)."
  value       = try(google_compute_global_address.edge["edge"].address, null)
}
