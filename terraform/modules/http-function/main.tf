/******************************************
  An HTTP-triggered Cloud Function (2nd gen) built from a zip in GCS,
  with run.invoker for allUsers only when it is public.
 *****************************************/

resource "google_cloudfunctions2_function" "function" {
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = var.description
  labels      = var.labels

  build_config {
    runtime         = var.runtime
    entry_point     = var.entry_point
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }

  service_config {
    available_memory               = var.available_memory
    timeout_seconds                = var.timeout_seconds
    min_instance_count             = var.min_instance_count
    max_instance_count             = var.max_instance_count
    ingress_settings               = var.ingress_settings
    all_traffic_on_latest_revision = true
    service_account_email          = var.service_account_email
    environment_variables          = var.environment_variables

    dynamic "secret_environment_variables" {
      for_each = var.secret_env
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }
}

# A 2nd gen function is served by the Cloud Run service of the same name: run.invoker is what admits callers.
resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = toset(concat(var.public ? ["allUsers"] : [], var.invoker_members))

  project  = google_cloudfunctions2_function.function.project
  location = google_cloudfunctions2_function.function.location
  service  = google_cloudfunctions2_function.function.name
  role     = "roles/run.invoker"
  member   = each.value
}
