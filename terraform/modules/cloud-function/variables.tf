/******************************************
  The function. Project, region, runtime and ingress are operator inputs,
  validated once in the root module's variables.tf; what comes from a manifest
  entry (name, bundle, identity, sizing, secrets) is validated here.
 *****************************************/

variable "function" {
  description = "The function: project_id, region, name (also the Cloud Run service name), description, runtime, entry_point (the name registered with the Functions Framework), source_bucket and source_object (the zipped bundle), build_service_account (projects/<p>/serviceAccounts/<email>, null for the project default), service_account_email (its own runtime account), available_memory, available_cpu, timeout_seconds, min/max_instance_count, max_instance_request_concurrency, environment_variables (plain; secrets are read from Secret Manager by the code, never mounted) and labels."
  type = object({
    project_id            = string
    region                = string
    name                  = string
    description           = optional(string, "")
    runtime               = optional(string, "nodejs22")
    entry_point           = string
    source_bucket         = string
    source_object         = string
    build_service_account = optional(string)
    service_account_email = string
    available_memory      = optional(string, "256Mi")
    timeout_seconds       = optional(number, 60)
    min_instance_count    = optional(number, 0)
    max_instance_count    = optional(number, 10)
    # Requests one instance serves at once; above 1 needs available_cpu of at least 1.
    max_instance_request_concurrency = optional(number, 1)
    # vCPUs ("0.583", "1", "2", ...); null takes the memory tier's share.
    available_cpu = optional(string)
    environment_variables = optional(map(string), {})
    labels                = optional(map(string), {})
  })

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{0,62}$", var.function.name))
    error_message = "Function name must be lowercase letters, digits and dashes, start with a letter, max 63 chars."
  }

  validation {
    condition     = endswith(var.function.source_object, ".zip")
    error_message = "source_object must be a .zip object."
  }

  validation {
    condition     = can(regex("^[^@]+@[^@]+\\.iam\\.gserviceaccount\\.com$", var.function.service_account_email))
    error_message = "service_account_email must be a service account email."
  }

  validation {
    condition     = contains(["128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"], var.function.available_memory)
    error_message = "available_memory must be one of 128Mi, 256Mi, 512Mi, 1Gi, 2Gi, 4Gi."
  }

  validation {
    condition     = var.function.timeout_seconds >= 1 && var.function.timeout_seconds <= 3600
    error_message = "timeout_seconds must be between 1 and 3600."
  }

  validation {
    condition     = var.function.min_instance_count >= 0
    error_message = "min_instance_count must not be negative."
  }

  validation {
    condition     = var.function.max_instance_count >= 1
    error_message = "max_instance_count must be at least 1."
  }

  validation {
    condition     = var.function.max_instance_request_concurrency == 1 || try(tonumber(var.function.available_cpu) >= 1, false)
    error_message = "A function serving more than one request at once needs available_cpu of at least 1."
  }
}

variable "ingress_settings" {
  description = "Network ingress of the function: ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB (validated by the root's event_ingress_settings)."
  type        = string
  default     = "ALLOW_ALL"
}
