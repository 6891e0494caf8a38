/******************************************
  An HTTP-triggered Cloud Function (2nd gen): the function itself comes from
  modules/cloud-function; this module adds run.invoker, for allUsers only when
  the function is public.
 *****************************************/

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

# A 2nd gen function is served by the Cloud Run service of the same name: run.invoker is what admits callers.
resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = toset(concat(var.public ? ["allUsers"] : [], var.invoker_members))

  project  = var.function.project_id
  location = var.function.region
  service  = module.function.name
  role     = "roles/run.invoker"
  member   = each.value
}
