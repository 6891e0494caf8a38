output "name" {
  description = "Function name."
  value       = google_cloudfunctions2_function.function.name
}

output "id" {
  description = "Function resource id."
  value       = google_cloudfunctions2_function.function.id
}

output "uri" {
  description = "HTTPS URI of the function (its Cloud Run service); only the push subscription may call it."
  value       = local.uri
}

output "service_account_email" {
  description = "Runtime service account of the function."
  value       = google_cloudfunctions2_function.function.service_config[0].service_account_email
}

output "invoker_service_account_email" {
  description = "Service account Pub/Sub pushes as."
  value       = google_service_account.invoker.email
}

output "subscription" {
  description = "Push subscription that delivers the topic to the function."
  value       = google_pubsub_subscription.push.id
}

output "scheduler_job" {
  description = "Cloud Scheduler job id for schedule functions, null for topic functions."
  value       = try(google_cloud_scheduler_job.tick["tick"].id, null)
}
