variable "project_id" {
  description = "The Google Cloud project that hosts Switchboard."
  type        = string
}

variable "region" {
  description = "Region of the functions."
  type        = string
  default     = "europe-west1"
}

variable "bundle_dir" {
  description = "Where `npm run build` wrote <function>.zip, relative to this folder."
  type        = string
  default     = "../../../dist"
}

variable "google_oauth_client_id" {
  description = "The Google OAuth web client's id (<id>.apps.googleusercontent.com); its secret goes to Secret Manager oauth-client-secret."
  type        = string

  validation {
    condition     = can(regex("^[\\w.-]+\\.apps\\.googleusercontent\\.com$", var.google_oauth_client_id))
    error_message = "google_oauth_client_id must be <id>.apps.googleusercontent.com."
  }
}

variable "client_origins" {
  description = "Origins the client apps run on (https://app.example.com); the first is the web client and where IdP-initiated sign-ins land."
  type        = list(string)

  validation {
    condition     = length(var.client_origins) > 0 && alltrue([for o in var.client_origins : can(regex("^https://[^/]+$", o))])
    error_message = "client_origins must list at least one https origin without a path."
  }
}

variable "phone_system_push_endpoint" {
  description = "HTTPS base URL of the phone system's event receiver (docs/events/); null delivers to pull subscriptions instead."
  type        = string
  default     = null
}

variable "notification_channels" {
  description = "Cloud Monitoring notification channels (projects/<p>/notificationChannels/<id>) that receive the alerts."
  type        = list(string)
  default     = []
}
