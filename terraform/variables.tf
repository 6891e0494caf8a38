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
  description = "Extra plain environment variables for every function that are not Switchboard configuration (e.g. NODE_OPTIONS); configuration goes in function_config. Never put secret values here: declare a secret in the manifest instead."
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

variable "min_instances" {
  description = "Instances kept warm per function, over the manifest's minInstances (e.g. { webhooks = 1, api = 1 }: no cold start on Google's pushes or the first client request; each warm instance is billed)."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for n in values(var.min_instances) : n >= 0 && n <= 100 && floor(n) == n])
    error_message = "min_instances values are whole numbers from 0 to 100."
  }
}

variable "function_config" {
  description = "Switchboard's configuration by variable name (README, Configuration; generated from shared/platform/config.ts), given to every function. Plan fails naming any variable a function needs in production that is unset. PUBLIC_AUTH_URL and PUBLIC_WEBHOOKS_URL default to the auth and webhooks functions' own URLs. Never secrets: those are in Secret Manager."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.function_config) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "function_config keys are the configuration's UPPER_SNAKE_CASE variable names."
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

variable "firestore_backup_retention" {
  description = "How long each daily Firestore backup is kept, in seconds (at most 14 weeks)."
  type        = string
  default     = "1209600s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.firestore_backup_retention)) && tonumber(trimsuffix(var.firestore_backup_retention, "s")) >= 86400 && tonumber(trimsuffix(var.firestore_backup_retention, "s")) <= 8467200
    error_message = "firestore_backup_retention must be between 86400s (1 day) and 8467200s (14 weeks)."
  }
}

variable "ttl_collection_groups" {
  description = "Collection groups whose documents carry an expireAt timestamp deleted by a Firestore TTL policy."
  type        = list(string)
  default     = ["samlRequests", "samlAssertions", "samlLogins", "googleLogins", "loginCodes", "oauthStates", "idempotency", "leases", "sessions", "channels", "directoryPages", "sidebarCache", "deliveryFailures"]

  validation {
    condition     = alltrue([for c in var.ttl_collection_groups : can(regex("^[A-Za-z][A-Za-z0-9_]*$", c))])
    error_message = "Collection group ids must be identifiers (letters, digits, underscores)."
  }

  validation {
    condition     = length(distinct(var.ttl_collection_groups)) == length(var.ttl_collection_groups)
    error_message = "ttl_collection_groups must not list a collection group twice."
  }
}

/******************************************
  Outbound events (the phone system)
 *****************************************/

variable "phone_system_push_endpoint" {
  description = "HTTPS base URL the phone system receives Switchboard's events on (docs/events/): each outbound topic is pushed to <endpoint>/<topic> with an OIDC token. Null makes every outbound subscription a pull subscription."
  type        = string
  default     = null

  validation {
    condition     = var.phone_system_push_endpoint == null || can(regex("^https://[^\\s]+$", var.phone_system_push_endpoint))
    error_message = "phone_system_push_endpoint must be an https URL."
  }
}

variable "phone_system_audience" {
  description = "Audience of the OIDC token on pushes to the phone system. Null uses phone_system_push_endpoint."
  type        = string
  default     = null
}

variable "phone_system_pull_members" {
  description = "IAM members (e.g. serviceAccount:phone@their-project.iam.gserviceaccount.com) allowed to pull the outbound subscriptions."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.phone_system_pull_members : can(regex("^(user|serviceAccount|group|principal|principalSet):", m))])
    error_message = "Pull members must be IAM member strings (serviceAccount:..., group:..., principal...)."
  }
}

variable "outbound_max_delivery_attempts" {
  description = "Delivery attempts of an outbound event before it is dead-lettered (5 to 100)."
  type        = number
  default     = 10

  validation {
    condition     = var.outbound_max_delivery_attempts >= 5 && var.outbound_max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts between 5 and 100 delivery attempts."
  }
}

/******************************************
  Monitoring
 *****************************************/

variable "notification_channels" {
  description = "Cloud Monitoring notification channels (projects/<p>/notificationChannels/<id>) every Switchboard alert is sent to. Empty: alerts open incidents in the console only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[0-9]+$", c))])
    error_message = "notification_channels are projects/<project>/notificationChannels/<id>."
  }
}

variable "alert_thresholds" {
  description = "When the alerts fire: http_5xx_ratio (share of requests, 5 min), function_errors_per_5m (error lines in one function), token_refresh_failures (per 30 min), needs_reauth_per_hour, channel_renewal_failures_per_hour, stale_sync_cursors (cursors older than an hour at the hourly renewal). Dead letters alert at any message."
  type = object({
    http_5xx_ratio                    = optional(number, 0.05)
    function_errors_per_5m            = optional(number, 10)
    token_refresh_failures            = optional(number, 5)
    needs_reauth_per_hour             = optional(number, 20)
    channel_renewal_failures_per_hour = optional(number, 10)
    stale_sync_cursors                = optional(number, 50)
  })
  default = {}

  validation {
    condition     = var.alert_thresholds.http_5xx_ratio > 0 && var.alert_thresholds.http_5xx_ratio < 1
    error_message = "http_5xx_ratio is a share between 0 and 1."
  }
}

/******************************************
  Public edge (optional)
 *****************************************/

variable "edge_domain" {
  description = "A domain (e.g. switchboard.example.com) to front the public functions with an external HTTPS load balancer, a Google-managed certificate and Cloud Armor rate limits (edge.tf). Null (default): clients and Google call the functions' own URLs."
  type        = string
  default     = null

  validation {
    condition     = var.edge_domain == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.edge_domain))
    error_message = "edge_domain must be a lowercase DNS name such as switchboard.example.com."
  }
}

variable "edge_rate_limits" {
  description = "Requests a minute one client address may send through the edge before Cloud Armor answers 429: to the SAML ACS, to /v1/session/*, to /webhooks/* (Google's push addresses are many; keep this high)."
  type = object({
    saml_acs_per_minute = optional(number, 60)
    session_per_minute  = optional(number, 120)
    webhooks_per_minute = optional(number, 6000)
  })
  default = {}

  validation {
    condition     = alltrue([for v in values(var.edge_rate_limits) : v >= 1 && v <= 100000])
    error_message = "edge_rate_limits are between 1 and 100000 requests a minute."
  }
}
