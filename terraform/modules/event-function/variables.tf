variable "function" {
  description = "The function's settings, passed unchanged to modules/cloud-function, whose `function` variable types, defaults and validates them (project_id, region, name, labels and timeout_seconds are also read here)."
  type        = any
}

variable "ingress_settings" {
  description = "Network ingress of the function (validated by the root's event_ingress_settings). Pub/Sub push from the same project is internal traffic."
  type        = string
  default     = "ALLOW_INTERNAL_ONLY"
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
  description = "Delivery attempts before the message is forwarded to the dead-letter topic: the manifest's maxDeliveryAttempts, else the root's default_max_delivery_attempts."
  type        = number

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts between 5 and 100 delivery attempts."
  }
}

variable "retry_backoff" {
  description = "Exponential backoff between redeliveries when retry is true (the root's retry_backoff, validated there)."
  type = object({
    minimum = string
    maximum = string
  })
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
