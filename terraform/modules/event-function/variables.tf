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

variable "ingress_settings" {
  description = "Network ingress of the function. Pub/Sub push from the same project is internal traffic."
  type        = string
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress_settings)
    error_message = "ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

/******************************************
  Pub/Sub delivery (push subscription with dead-letter policy)
 *****************************************/

variable "topic_id" {
  description = "Topic the function consumes (projects/<p>/topics/<t>)."
  type        = string

  validation {
    condition     = can(regex("^projects/[^/]+/topics/[^/]+$", var.topic_id))
    error_message = "topic_id must be projects/<project>/topics/<topic>."
  }
}

variable "dead_letter_topic_id" {
  description = "Topic undeliverable messages are forwarded to (projects/<p>/topics/<t>-dead-letter)."
  type        = string

  validation {
    condition     = can(regex("^projects/[^/]+/topics/[^/]+-dead-letter$", var.dead_letter_topic_id))
    error_message = "dead_letter_topic_id must be projects/<project>/topics/<topic>-dead-letter."
  }
}

variable "retry" {
  description = "Retry failed deliveries with exponential backoff (true) or redeliver at once and dead-letter after max_delivery_attempts (false)."
  type        = bool
  default     = false
}

variable "max_delivery_attempts" {
  description = "Delivery attempts before the message is forwarded to the dead-letter topic."
  type        = number
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts between 5 and 100 delivery attempts."
  }
}

variable "retry_backoff" {
  description = "Exponential backoff between redeliveries when retry is true."
  type = object({
    minimum = optional(string, "10s")
    maximum = optional(string, "600s")
  })
  default = {}

  validation {
    condition     = can(regex("^[0-9]+s$", var.retry_backoff.minimum)) && can(regex("^[0-9]+s$", var.retry_backoff.maximum))
    error_message = "Backoff durations are whole seconds such as \"10s\"."
  }
}

variable "invoker_account_id" {
  description = "account_id of the service account Pub/Sub signs push requests as (it only gets run.invoker on this function)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", var.invoker_account_id))
    error_message = "invoker_account_id must be 6-30 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "pubsub_service_agent_email" {
  description = "Email of the project's Pub/Sub service agent (service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com)."
  type        = string

  validation {
    condition     = can(regex("^service-[0-9]+@gcp-sa-pubsub\\.iam\\.gserviceaccount\\.com$", var.pubsub_service_agent_email))
    error_message = "pubsub_service_agent_email must be the Pub/Sub service agent."
  }
}

/******************************************
  Schedule (schedule functions only)
 *****************************************/

variable "schedule" {
  description = "For schedule functions: Cloud Scheduler publishes a tick to topic_id on this cron. Null for topic functions."
  type = object({
    cron        = string
    time_zone   = string
    retry_count = optional(number, 3)
  })
  default = null

  validation {
    condition     = var.schedule == null || length(split(" ", trimspace(try(var.schedule.cron, "")))) == 5
    error_message = "schedule.cron must be a five-field unix-cron expression."
  }
}

variable "message_ordering" {
  description = "Deliver messages that share an ordering key in order (the manifest's `ordered`)."
  type        = bool
  default     = false
}
