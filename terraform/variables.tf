/******************************************
  Project and location
 *****************************************/

variable "project_id" {
  description = "The Google Cloud project that hosts Switchboard."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, the source bucket, the Cloud Scheduler jobs and the Pub/Sub push endpoints."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1 or us-central1."
  }
}

variable "environment" {
  description = "Deployment environment, passed to the functions as SWITCHBOARD_ENV (see shared/platform/config.ts)."
  type        = string
  default     = "production"

  validation {
    condition     = contains(["production", "staging"], var.environment)
    error_message = "environment must be production or staging (local and test never deploy)."
  }
}

variable "labels" {
  description = "Labels added to every labelled resource (functions, bucket, topics, subscriptions, secrets)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))
    ])
    error_message = "Label keys must start with a lowercase letter; keys and values may hold lowercase letters, digits, _ and - (max 63)."
  }
}

/******************************************
  APIs
 *****************************************/

variable "activate_apis" {
  description = "Enable the Google APIs Switchboard needs. Set to false when the project factory already enables them."
  type        = bool
  default     = true
}

/******************************************
  Function sources
 *****************************************/

variable "source_bucket" {
  description = "An existing GCS bucket for the function bundles. When null, a bucket named <project_id>-switchboard-sources is created (uniform access, versioning)."
  type        = string
  default     = null

  validation {
    condition     = var.source_bucket == null || can(regex("^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$", var.source_bucket))
    error_message = "source_bucket must be a bucket name (lowercase letters, digits, dots, dashes, underscores), without gs://."
  }
}

variable "source_bucket_location" {
  description = "Location of the created source bucket. Defaults to var.region."
  type        = string
  default     = null
}

variable "bundle_dir" {
  description = "Directory holding one <function>.zip per manifest function (the zipped dist/<function>/ of `npm run build`), relative to the directory terraform runs in."
  type        = string
  default     = "../dist"

  validation {
    condition     = length(var.bundle_dir) > 0 && !endswith(var.bundle_dir, "/")
    error_message = "bundle_dir must be a non-empty path without a trailing slash."
  }
}

variable "source_object_prefix" {
  description = "Prefix of the bundle objects in the source bucket. Objects are named <prefix><function>/<md5 of zip>.zip so a new bundle redeploys the function."
  type        = string
  default     = "functions/"

  validation {
    condition     = var.source_object_prefix == "" || endswith(var.source_object_prefix, "/")
    error_message = "source_object_prefix must be empty or end with a slash."
  }
}

/******************************************
  Functions
 *****************************************/

variable "runtime" {
  description = "Cloud Functions runtime of every function."
  type        = string
  default     = "nodejs22"

  validation {
    condition     = can(regex("^nodejs[0-9]+$", var.runtime))
    error_message = "runtime must be a Node.js runtime such as nodejs22."
  }
}

variable "build_service_account" {
  description = "Full resource name (projects/<p>/serviceAccounts/<email>) of the service account Cloud Build uses to build the functions. Null uses the project default."
  type        = string
  default     = null

  validation {
    condition     = var.build_service_account == null || can(regex("^projects/[^/]+/serviceAccounts/[^/]+@[^/]+$", var.build_service_account))
    error_message = "build_service_account must look like projects/<project>/serviceAccounts/<email>."
  }
}

variable "environment_variables" {
  description = "Extra plain environment variables for every function. Never put secret values here: declare a secret in the manifest instead."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "Environment variable names must be UPPER_SNAKE_CASE."
  }

  validation {
    condition     = length(setintersection(keys(var.environment_variables), ["GOOGLE_CLOUD_PROJECT", "SWITCHBOARD_ENV", "FUNCTION_REGION", "LOG_EXECUTION_ID"])) == 0
    error_message = "GOOGLE_CLOUD_PROJECT, SWITCHBOARD_ENV, FUNCTION_REGION and LOG_EXECUTION_ID are set by this module."
  }
}

variable "event_ingress_settings" {
  description = "Ingress of topic and schedule functions. Pub/Sub push from the same project counts as internal traffic."
  type        = string
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.event_ingress_settings)
    error_message = "event_ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "private_http_invokers" {
  description = "IAM members (e.g. serviceAccount:x@y) allowed to invoke the http functions that the manifest marks as not public."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.private_http_invokers : can(regex("^(user|serviceAccount|group|domain|principal|principalSet):", m))])
    error_message = "Invoker members must be IAM member strings; allUsers is reserved for functions marked public in the manifest."
  }
}

/******************************************
  Pub/Sub delivery
 *****************************************/

variable "default_max_delivery_attempts" {
  description = "Delivery attempts before dead-lettering for event functions whose manifest entry has maxDeliveryAttempts null (retry false). 5 is the Pub/Sub minimum."
  type        = number
  default     = 5

  validation {
    condition     = var.default_max_delivery_attempts >= 5 && var.default_max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts between 5 and 100 delivery attempts."
  }
}

variable "retry_backoff" {
  description = "Exponential backoff of push redelivery for functions with retry true (min and max as durations such as \"10s\")."
  type = object({
    minimum = optional(string, "10s")
    maximum = optional(string, "600s")
  })
  default = {}

  validation {
    condition     = can(regex("^[0-9]+s$", var.retry_backoff.minimum)) && can(regex("^[0-9]+s$", var.retry_backoff.maximum))
    error_message = "Backoff durations are whole seconds such as \"10s\"."
  }

  validation {
    condition = (
      tonumber(trimsuffix(var.retry_backoff.minimum, "s")) <= tonumber(trimsuffix(var.retry_backoff.maximum, "s")) &&
      tonumber(trimsuffix(var.retry_backoff.maximum, "s")) <= 600
    )
    error_message = "retry_backoff.minimum must not exceed maximum, and maximum is at most 600s."
  }
}

variable "dead_letter_retention" {
  description = "How long the pull subscription on each dead-letter topic keeps undelivered messages for inspection and replay (max 31 days)."
  type        = string
  default     = "2678400s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.dead_letter_retention)) && tonumber(trimsuffix(var.dead_letter_retention, "s")) <= 2678400 && tonumber(trimsuffix(var.dead_letter_retention, "s")) >= 600
    error_message = "dead_letter_retention must be between 600s and 2678400s (31 days)."
  }
}

variable "scheduler_retry_count" {
  description = "How many times Cloud Scheduler retries a failed publish of a scheduled tick."
  type        = number
  default     = 3

  validation {
    condition     = var.scheduler_retry_count >= 0 && var.scheduler_retry_count <= 5
    error_message = "scheduler_retry_count must be between 0 and 5."
  }
}

/******************************************
  Secret Manager
 *****************************************/

variable "secret_ids" {
  description = "Secret Manager secret ids to create besides those named in the manifest (e.g. secrets read by code not yet in the manifest). Only the containers are created; values are added out of band (see README)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.secret_ids : can(regex("^[a-z][a-z0-9-]{0,254}$", s))])
    error_message = "Secret ids must be lowercase letters, digits and dashes, starting with a letter (the same rule as the manifest)."
  }
}

/******************************************
  Firestore
 *****************************************/

variable "firestore_location" {
  description = "Location of the (default) Firestore database, a region (europe-west1) or multi-region (eur3, nam5). Cannot change after creation."
  type        = string
  default     = "eur3"

  validation {
    condition     = can(regex("^([a-z]+-[a-z]+[0-9]+|eur3|nam5|nam7)$", var.firestore_location))
    error_message = "firestore_location must be a region (e.g. europe-west1) or a multi-region (eur3, nam5, nam7)."
  }
}

variable "firestore_point_in_time_recovery" {
  description = "Keep 7 days of point-in-time recovery for the Firestore database."
  type        = bool
  default     = true
}

variable "firestore_delete_protection" {
  description = "Protect the Firestore database from deletion."
  type        = bool
  default     = true
}

variable "ttl_collection_groups" {
  description = "Collection groups whose documents carry an expireAt timestamp deleted by a Firestore TTL policy."
  type        = list(string)
  default     = ["samlRequests", "samlAssertions", "samlLogins", "googleLogins", "loginCodes", "oauthStates", "idempotency", "leases", "sessions", "channels", "directoryPages", "sidebarCache"]

  validation {
    condition     = alltrue([for c in var.ttl_collection_groups : can(regex("^[A-Za-z][A-Za-z0-9_]*$", c))])
    error_message = "Collection group ids must be identifiers (letters, digits, underscores)."
  }

  validation {
    condition     = length(distinct(var.ttl_collection_groups)) == length(var.ttl_collection_groups)
    error_message = "ttl_collection_groups must not list a collection group twice."
  }
}
