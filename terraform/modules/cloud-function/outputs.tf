output "name" {
  description = "Function name (also the name of its Cloud Run service)."
  value       = google_cloudfunctions2_function.function.name
}

output "id" {
  description = "Function resource id."
  value       = google_cloudfunctions2_function.function.id
}

output "uri" {
  description = "HTTPS URI of the function (its Cloud Run service)."
  value       = google_cloudfunctions2_function.function.service_config[0].uri
}

output "service" {
  description = "Full resource name of the Cloud Run service that serves the function."
  value       = google_cloudfunctions2_function.function.service_config[0].service
}

output "service_account_email" {
  description = "Runtime service account of the function."
  value       = google_cloudfunctions2_function.function.service_config[0].service_account_email
}
