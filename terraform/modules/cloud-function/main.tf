/******************************************
  A Cloud Function (2nd gen) built from a zip in GCS: what every Switchboard
  function has, whatever triggers it. modules/http-function and
  modules/event-function call this module and add how the function is reached.
 *****************************************/

resource "google_cloudfunctions2_function" "function" {
  project     = var.function.project_id
  location    = var.function.region
  name        = var.function.name
  description = var.function.description
  labels      = var.function.labels

  build_config {
    runtime         = var.function.runtime
    entry_point     = var.function.entry_point
    service_account = var.function.build_service_account

    source {
      storage_source {
        bucket = var.function.source_bucket
        object = var.function.source_object
      }
    }
  }

  service_config {
    available_memory               = var.function.available_memory
    timeout_seconds                = var.function.timeout_seconds
    min_instance_count             = var.function.min_instance_count
    max_instance_count             = var.function.max_instance_count
    max_instance_request_concurrency = var.function.max_instance_request_concurrency
    available_cpu                    = var.function.available_cpu
    ingress_settings               = var.ingress_settings
    all_traffic_on_latest_revision = true
    service_account_email          = var.function.service_account_email
    environment_variables          = var.function.environment_variables
    # No secret_environment_variables: the code reads Secret Manager itself (shared/platform/secrets.ts),
    # with a short cache and a bounded re-read on an unknown key id, so a rotation reaches warm instances.
  }
}
