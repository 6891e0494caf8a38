/******************************************
  A production deployment of Switchboard: copy this folder into your
  infrastructure repository, point `source` at this repository's terraform/
  folder (a git URL with a tag), fill terraform.tfvars and follow
  docs/runbooks/first-deployment.md.
 *****************************************/

module "switchboard" {
  source = "../.."

  project_id  = var.project_id
  region      = var.region
  environment = "production"
  # The zips `npm run build` writes, relative to this folder.
  bundle_dir = var.bundle_dir

  # Every variable a function needs in production (README, Configuration); plan fails naming any that is
  # missing. PUBLIC_AUTH_URL and PUBLIC_WEBHOOKS_URL default to the auth and webhooks functions' own URLs.
  function_config = {
    GOOGLE_OAUTH_CLIENT_ID = var.google_oauth_client_id
    ALLOWED_RETURN_ORIGINS = join(",", var.client_origins)
    DEFAULT_RETURN_URL     = "${var.client_origins[0]}/"
    WEB_CLIENT_ORIGIN      = var.client_origins[0]
  }

  # Warm instances: Google's pushes and the first client request of the day meet no cold start.
  min_instances = { api = 1, webhooks = 1 }

  # Where the phone system receives presence, provisioning and grant events (docs/events/).
  phone_system_push_endpoint = var.phone_system_push_endpoint

  # Where alerts go (dead letters, 5xx ratio, token refresh, needs_reauth, renewals, stale cursors, errors).
  notification_channels = var.notification_channels
}
