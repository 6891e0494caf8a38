variable "project_id" {
  description = "Project that hosts the function."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id."
  }
}

variable "region" {
  description = "Region of the function."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "name" {
  description = "Function name (also the Cloud Run service name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{0,62}$", var.name))
    error_message = "Function name must be lowercase letters, digits and dashes, start with a letter, max 63 chars."
  }
}

variable "description" {
  description = "Human description of the function."
  type        = string
  default     = ""
}

variable "runtime" {
  description = "Cloud Functions runtime."
  type        = string
  default     = "nodejs22"

  validation {
    condition     = can(regex("^nodejs[0-9]+$", var.runtime))
    error_message = "runtime must be a Node.js runtime such as nodejs22."
  }
}

variable "entry_point" {
  description = "Name of the function registered with the Functions Framework in the bundle."
  type        = string
}

variable "source_bucket" {
  description = "GCS bucket holding the zipped bundle."
  type        = string
}

variable "source_object" {
  description = "Object name of the zipped bundle in source_bucket."
  type        = string

  validation {
    condition     = endswith(var.source_object, ".zip")
    error_message = "source_object must be a .zip object."
  }
}

variable "build_service_account" {
  description = "Service account Cloud Build uses (projects/<p>/serviceAccounts/<email>); null for the project default."
  type        = string
  default     = null
}

variable "service_account_email" {
  description = "Runtime service account of the function (its own, least-privilege)."
  type        = string

  validation {
    condition     = can(regex("^[^@]+@[^@]+\\.iam\\.gserviceaccount\\.com$", var.service_account_email))
    error_message = "service_account_email must be a service account email."
  }
}

variable "available_memory" {
  description = "Memory per instance."
  type        = string
  default     = "256Mi"

  validation {
    condition     = contains(["128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"], var.available_memory)
    error_message = "available_memory must be one of 128Mi, 256Mi, 512Mi, 1Gi, 2Gi, 4Gi."
  }
}

variable "timeout_seconds" {
  description = "Request timeout."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 3600
    error_message = "timeout_seconds must be between 1 and 3600."
  }
}

variable "min_instance_count" {
  description = "Minimum instances kept warm."
  type        = number
  default     = 0

  validation {
    condition     = var.min_instance_count >= 0
    error_message = "min_instance_count must not be negative."
  }
}

variable "max_instance_count" {
  description = "Maximum instances."
  type        = number
  default     = 10

  validation {
    condition     = var.max_instance_count >= 1
    error_message = "max_instance_count must be at least 1."
  }
}

variable "environment_variables" {
  description = "Plain runtime environment variables."
  type        = map(string)
  default     = {}
}

variable "secret_env" {
  description = "Secret environment variables: env var name => Secret Manager secret id (same project, version latest)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.secret_env : can(regex("^[A-Z][A-Z0-9_]*$", k)) && can(regex("^[a-z][a-z0-9-]*$", v))])
    error_message = "secret_env maps UPPER_SNAKE env names to secret ids."
  }
}

variable "labels" {
  description = "Labels of the function."
  type        = map(string)
  default     = {}
}

/******************************************
  HTTP trigger
 *****************************************/

variable "public" {
  description = "Grant allUsers roles/run.invoker: the function is reachable without IAM and checks its own credentials."
  type        = bool
  default     = false
}

variable "invoker_members" {
  description = "IAM members allowed to invoke a non-public function."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.invoker_members, "allUsers") && !contains(var.invoker_members, "allAuthenticatedUsers")
    error_message = "Use public = true instead of listing allUsers; allAuthenticatedUsers is never allowed."
  }
}

variable "ingress_settings" {
  description = "Network ingress of the function."
  type        = string
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress_settings)
    error_message = "ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}
