output "function" {
  description = "The function: modules/cloud-function's outputs name, id, uri, service and service_account_email. Only the push subscription may call its uri."
  value       = module.function
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
