/******************************************
  Switchboard: every cloud resource, driven by functions/manifest.json.

  Adding a function to the manifest adds its service account, IAM grants,
  topics, dead-letter topic, push subscription, scheduler job and function:
  nothing here names a function.
 *****************************************/

locals {
  manifest = jsondecode(file("${path.module}/../functions/manifest.json"))

  # Every function by name; the two kinds the modules deploy.
  functions       = { for fn in local.manifest.functions : fn.name => fn }
  http_functions  = { for name, fn in local.functions : name => fn if fn.trigger == "http" }
  event_functions = { for name, fn in local.functions : name => fn if contains(["topic", "schedule"], fn.trigger) }

  # Topics: the same set as allTopics() in functions/manifest.ts (consumed and published).
  consumed_topics    = toset([for fn in local.event_functions : fn.topic])
  published_topics   = toset(flatten([for fn in local.functions : fn.publishes]))
  topics             = setunion(local.consumed_topics, local.published_topics)
  # Outbound: published, consumed by no function; the phone system's (outbound-events.tf, docs/events/).
  outbound_topics    = setsubtract(local.published_topics, local.consumed_topics)
  dead_letter_topics = { for topic in setunion(local.consumed_topics, local.outbound_topics) : topic => "${topic}-dead-letter" }

  # Service account ids are 6-30 chars; "fn-<name>" when it fits, else a truncated name plus a hash.
  service_account_ids = {
    for name in keys(local.functions) : name => (
      can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", "fn-${name}"))
      ? "fn-${name}"
      : "fn-${substr(name, 0, 20)}-${substr(sha1(name), 0, 6)}"
    )
  }
  # The identity Pub/Sub signs push requests with (run.invoker on one event function, nothing else).
  invoker_account_ids = {
    for name in keys(local.event_functions) : name => (
      can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", "inv-${name}"))
      ? "inv-${name}"
      : "inv-${substr(name, 0, 19)}-${substr(sha1(name), 0, 6)}"
    )
  }

  # Least-privilege grants, one map entry per (function, thing) pair.
  project_role_grants = {
    for g in flatten([
      for name, fn in local.functions : [for role in fn.roles : { function = name, role = role }]
    ]) : "${g.function}/${g.role}" => g
  }
  publisher_grants = {
    for g in flatten([
      for name, fn in local.functions : [for topic in fn.publishes : { function = name, topic = topic }]
    ]) : "${g.function}/${g.topic}" => g
  }
  secret_grants = {
    for g in flatten([
      for name, fn in local.functions : [for secret in fn.secrets : { function = name, secret = secret }]
    ]) : "${g.function}/${g.secret}" => g
  }

  # Secret containers: the manifest's secrets plus var.secret_ids. No values, ever.
  secret_ids = toset(concat(var.secret_ids, flatten([for fn in local.functions : fn.secrets])))

  # Configuration (shared/platform/config.ts). config-variables.json is generated from the schema by
  # `npm run generate`: which variables a deployment may set, and which each function needs in production.
  config_spec = jsondecode(file("${path.module}/config-variables.json"))

  # The public functions' addresses, known before they exist: Cloud Run's deterministic URL
  # https://<service>-<project number>.<region>.run.app (https://cloud.google.com/run/docs/triggering/https-request).
  function_base_urls = {
    for name in keys(local.http_functions) : name => "https://${name}-${data.google_project.project.number}.${var.region}.run.app"
  }
  # Where clients and Google reach each public function: the edge's domain when it is on (edge.tf routes
  # by path), else the function's own URL.
  public_base_urls = {
    for name in keys(local.http_functions) : name => var.edge_domain != null ? "https://${var.edge_domain}" : local.function_base_urls[name]
  }
  # What Terraform knows itself; function_config overrides it (a custom domain in front of the functions).
  derived_config = merge(
    contains(keys(local.public_base_urls), "auth") ? { PUBLIC_AUTH_URL = local.public_base_urls["auth"] } : {},
    contains(keys(local.public_base_urls), "webhooks") ? { PUBLIC_WEBHOOKS_URL = local.public_base_urls["webhooks"] } : {},
  )

  environment_variables = merge(var.environment_variables, local.derived_config, var.function_config, {
    GOOGLE_CLOUD_PROJECT = var.project_id
    SWITCHBOARD_ENV      = var.environment
    FUNCTION_REGION      = var.region
    LOG_EXECUTION_ID     = "true"
  })

  # Every function gets the same configuration (each parses the whole schema); this is what each needs of it.
  missing_production_config = flatten([
    for name, variables in local.config_spec.requiredInProduction : [
      for variable in variables : "${name} needs ${variable}"
      if contains(keys(local.functions), name) && trimspace(lookup(local.environment_variables, variable, "")) == ""
    ]
  ])
  unknown_function_config = [
    for name in keys(var.function_config) : name if !contains(local.config_spec.settable, name)
  ]
  misplaced_environment_variables = [
    for name in keys(var.environment_variables) : name
    if contains(concat(local.config_spec.settable, local.config_spec.setByTerraform), name)
  ]

  labels = merge(var.labels, { app = "switchboard", environment = var.environment })

  apis = toset([
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "eventarc.googleapis.com",
    "pubsub.googleapis.com",
    "cloudscheduler.googleapis.com",
    "secretmanager.googleapis.com",
    "firestore.googleapis.com",
    "firebaserules.googleapis.com",
    "monitoring.googleapis.com",
    "logging.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    "admin.googleapis.com",
    "people.googleapis.com",
    "calendar-json.googleapis.com",
    "gmail.googleapis.com",
    "drive.googleapis.com",
  ])

  source_bucket = var.source_bucket != null ? var.source_bucket : google_storage_bucket.sources["sources"].name
}

# Terraform reads the raw JSON, not the zod schema in functions/manifest.ts: re-check the rules the
# HCL relies on so a bad manifest fails at plan with a clear message instead of a half-built stack.
resource "terraform_data" "manifest_checks" {
  input = sha1(jsonencode(local.manifest))

  lifecycle {
    precondition {
      condition     = length(local.functions) == length(local.manifest.functions)
      error_message = "functions/manifest.json lists a function name twice."
    }
    precondition {
      condition     = alltrue([for fn in local.functions : contains(["http", "topic", "schedule"], fn.trigger)])
      error_message = "Every manifest function needs trigger http, topic or schedule."
    }
    precondition {
      condition     = alltrue([for fn in local.event_functions : fn.topic != null])
      error_message = "Every topic or schedule function needs a topic in the manifest."
    }
    precondition {
      condition     = alltrue([for fn in local.event_functions : fn.trigger != "schedule" || (fn.schedule != null && fn.timeZone != null)])
      error_message = "Every schedule function needs schedule and timeZone in the manifest."
    }
    precondition {
      condition     = alltrue([for fn in local.event_functions : !fn.retry || fn.maxDeliveryAttempts != null])
      error_message = "Every retried event function needs maxDeliveryAttempts (its dead-letter threshold)."
    }
  }
}

# The deployment's configuration, checked against the schema before anything is built.
resource "terraform_data" "config_checks" {
  input = sha1(jsonencode(local.environment_variables))

  lifecycle {
    precondition {
      condition     = length(local.missing_production_config) == 0
      error_message = "Set these in function_config (README, Configuration): ${join("; ", local.missing_production_config)}."
    }
    precondition {
      condition     = length(local.unknown_function_config) == 0
      error_message = "function_config names variables the configuration schema does not have or a deployment must not set: ${join(", ", local.unknown_function_config)}."
    }
    precondition {
      condition     = length(setsubtract(keys(var.min_instances), keys(local.functions))) == 0
      error_message = "min_instances names functions the manifest does not have: ${join(", ", setsubtract(keys(var.min_instances), keys(local.functions)))}."
    }
    precondition {
      condition     = length(local.misplaced_environment_variables) == 0
      error_message = "Set configuration variables through function_config, not environment_variables: ${join(", ", local.misplaced_environment_variables)}."
    }
  }
}

data "google_project" "project" {
  project_id = var.project_id
}

/******************************************
  APIs
 *****************************************/

resource "google_project_service" "enabled" {
  for_each = var.activate_apis ? local.apis : toset([])

  project                    = var.project_id
  service                    = each.value
  disable_on_destroy         = false
  disable_dependent_services = false
}

# The Pub/Sub service agent pushes to the functions and forwards to the dead-letter topics.
resource "google_project_service_identity" "pubsub" {
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"

  depends_on = [google_project_service.enabled]
}

/******************************************
  Function sources
 *****************************************/

resource "google_storage_bucket" "sources" {
  for_each = var.source_bucket == null ? toset(["sources"]) : toset([])

  project                     = var.project_id
  name                        = "${var.project_id}-switchboard-sources"
  location                    = coalesce(var.source_bucket_location, var.region)
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  versioning {
    enabled = true
  }

  # Keep the last few bundles of each object for rollback; drop older archived generations.
  lifecycle_rule {
    condition {
      num_newer_versions = 5
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
}

# One object per function; the name carries the zip's md5, so a new bundle is a new object and the
# function is redeployed, while an unchanged bundle plans no change.
resource "google_storage_bucket_object" "source" {
  for_each = local.functions

  bucket       = local.source_bucket
  name         = "${var.source_object_prefix}${each.key}/${filemd5("${var.bundle_dir}/${each.key}.zip")}.zip"
  source       = "${var.bundle_dir}/${each.key}.zip"
  content_type = "application/zip"
}

/******************************************
  Service accounts and least-privilege IAM
 *****************************************/

resource "google_service_account" "function" {
  for_each = local.functions

  project      = var.project_id
  account_id   = local.service_account_ids[each.key]
  display_name = "Switchboard function ${each.key}"
  description  = substr(each.value.description, 0, 256)

  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "function_role" {
  for_each = local.project_role_grants

  project = var.project_id
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.function[each.value.function].email}"

  # Firestore has no per-collection IAM; the narrowest grant is one database: Switchboard's, not every
  # database the project may hold (an IAM condition on the database's resource name).
  dynamic "condition" {
    for_each = startswith(each.value.role, "roles/datastore.") ? toset(["database"]) : toset([])
    content {
      title       = "switchboard-database-only"
      description = "Only Switchboard's Firestore database."
      expression  = "resource.name == \"projects/${var.project_id}/databases/${google_firestore_database.database.name}\""
    }
  }
}

resource "google_pubsub_topic_iam_member" "function_publisher" {
  for_each = local.publisher_grants

  project = var.project_id
  topic   = google_pubsub_topic.topic[each.value.topic].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

resource "google_secret_manager_secret_iam_member" "function_accessor" {
  for_each = local.secret_grants

  project   = var.project_id
  secret_id = google_secret_manager_secret.secret[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

/******************************************
  Pub/Sub topics and dead-letter topics
 *****************************************/

resource "google_pubsub_topic" "topic" {
  for_each = local.topics

  project = var.project_id
  name    = each.value
  labels  = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.dead_letter_topics

  project = var.project_id
  name    = each.value
  labels  = merge(local.labels, { dead_letter_of = each.key })

  depends_on = [google_project_service.enabled]
}

# A message forwarded to a topic without subscriptions is lost: keep dead letters for inspection and replay.
resource "google_pubsub_subscription" "dead_letter" {
  for_each = local.dead_letter_topics

  project                    = var.project_id
  name                       = "${each.value}-inspect"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  ack_deadline_seconds       = 60
  message_retention_duration = var.dead_letter_retention
  retain_acked_messages      = false
  labels                     = merge(local.labels, { dead_letter_of = each.key })

  expiration_policy {
    ttl = ""
  }
}

# The Pub/Sub service agent publishes the dead letters (it acks the originals on each function's subscription,
# granted in the event-function module).
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.dead_letter_topics

  project = var.project_id
  topic   = google_pubsub_topic.dead_letter[each.key].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

/******************************************
  Secret Manager (containers only)
 *****************************************/

resource "google_secret_manager_secret" "secret" {
  for_each = local.secret_ids

  project   = var.project_id
  secret_id = each.value
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

/******************************************
  Firestore
 *****************************************/

locals {
  # The Firebase index file (also read by the emulator); composite indexes keyed by their content.
  firestore_index_file = jsondecode(file("${path.module}/../firestore.indexes.json"))
  firestore_field_overrides = {
    for o in try(local.firestore_index_file.fieldOverrides, []) : "${o.collectionGroup}.${o.fieldPath}" => o
  }
  firestore_indexes = {
    for index in try(local.firestore_index_file.indexes, []) :
    join("/", concat(
      [index.collectionGroup, try(index.queryScope, "COLLECTION")],
      [for field in index.fields : "${field.fieldPath}:${try(field.order, field.arrayConfig)}"],
    )) => index
  }
}

resource "google_firestore_database" "database" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "OPTIMISTIC"
  app_engine_integration_mode       = "DISABLED"
  point_in_time_recovery_enablement = var.firestore_point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = var.firestore_delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = "ABANDON"

  depends_on = [google_project_service.enabled]
}

# Short-lived records (SAML request/assertion ids, OAuth states, idempotency keys, leases) expire on expireAt.
resource "google_firestore_field" "ttl" {
  for_each = toset(var.ttl_collection_groups)

  project    = var.project_id
  database   = google_firestore_database.database.name
  collection = each.value
  field      = "expireAt"

  ttl_config {}
}

# Single-field index settings from the index file's fieldOverrides (array-contains and collection-group
# scopes that queries need beyond Firestore's automatic indexes).
resource "google_firestore_field" "override" {
  for_each = local.firestore_field_overrides

  project    = var.project_id
  database   = google_firestore_database.database.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  index_config {
    dynamic "indexes" {
      for_each = each.value.indexes
      content {
        query_scope  = indexes.value.queryScope
        order        = try(indexes.value.order, null)
        array_config = try(indexes.value.arrayConfig, null)
      }
    }
  }
}

# Client SDKs get nothing: firestore.rules (deny-all; the backend uses server SDKs, which rules do not
# apply to) is the ruleset, released to the (default) database as "cloud.firestore". A changed rules file
# is a new ruleset; the release then points at it.
resource "google_firebaserules_ruleset" "firestore" {
  project = var.project_id

  source {
    files {
      name    = "firestore.rules"
      content = file("${path.module}/../firestore.rules")
    }
  }

  depends_on = [google_firestore_database.database, google_project_service.enabled]

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_firebaserules_release" "firestore" {
  project      = var.project_id
  name         = "cloud.firestore"
  ruleset_name = "projects/${var.project_id}/rulesets/${google_firebaserules_ruleset.firestore.name}"

  lifecycle {
    replace_triggered_by = [google_firebaserules_ruleset.firestore]
  }
}

# A daily backup kept var.firestore_backup_retention (restore: docs/runbooks/restore-from-backup.md), besides PITR.
resource "google_firestore_backup_schedule" "daily" {
  project   = var.project_id
  database  = google_firestore_database.database.name
  retention = var.firestore_backup_retention

  daily_recurrence {}
}

resource "google_firestore_index" "composite" {
  for_each = local.firestore_indexes

  project     = var.project_id
  database    = google_firestore_database.database.name
  collection  = each.value.collectionGroup
  query_scope = try(each.value.queryScope, "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)
    }
  }
}

/******************************************
  Functions: one module call per kind, one instance per manifest entry
 *****************************************/

locals {
  # What every function is deployed with, whatever its trigger: modules/cloud-function's `function` input.
  function_settings = {
    for name, fn in local.functions : name => {
      project_id            = var.project_id
      region                = var.region
      name                  = name
      description           = fn.description
      runtime               = var.runtime
      entry_point           = name
      source_bucket         = local.source_bucket
      source_object         = google_storage_bucket_object.source[name].name
      build_service_account = var.build_service_account
      service_account_email = google_service_account.function[name].email
      available_memory      = fn.memory
      timeout_seconds       = fn.timeoutSeconds
      min_instance_count    = lookup(var.min_instances, name, fn.minInstances)
      max_instance_count    = fn.maxInstances
      # Request concurrency and vCPUs from the manifest (api, auth and webhooks serve many requests at once).
      max_instance_request_concurrency = try(fn.concurrency, 1)
      available_cpu                    = try(fn.cpu, null)
      environment_variables = local.environment_variables
      labels                = merge(local.labels, { function = name, trigger = fn.trigger })
    }
  }
}

module "http_function" {
  source   = "./modules/http-function"
  for_each = local.http_functions

  function        = local.function_settings[each.key]
  public          = each.value.public
  invoker_members = each.value.public ? [] : var.private_http_invokers
  # Behind the edge, public functions take traffic only through the load balancer (and Cloud Armor).
  ingress_settings = var.edge_domain != null && each.value.public ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_ALL"

  # The function must not start before it may read its secrets and use its roles.
  depends_on = [
    terraform_data.manifest_checks,
    terraform_data.config_checks,
    google_project_service.enabled,
    google_project_iam_member.function_role,
    google_pubsub_topic_iam_member.function_publisher,
    google_secret_manager_secret_iam_member.function_accessor,
  ]
}

module "event_function" {
  source   = "./modules/event-function"
  for_each = local.event_functions

  function         = local.function_settings[each.key]
  ingress_settings = var.event_ingress_settings

  # Delivery: a Terraform-owned push subscription with a dead-letter policy (see README).
  topic_id                   = google_pubsub_topic.topic[each.value.topic].id
  dead_letter_topic_id       = google_pubsub_topic.dead_letter[each.value.topic].id
  retry                      = each.value.retry
  message_ordering           = try(each.value.ordered, false)
  max_delivery_attempts      = coalesce(each.value.maxDeliveryAttempts, var.default_max_delivery_attempts)
  retry_backoff              = var.retry_backoff
  invoker_account_id         = local.invoker_account_ids[each.key]
  pubsub_service_agent_email = google_project_service_identity.pubsub.email

  # Schedule functions: Cloud Scheduler publishes to the function's own topic.
  schedule = each.value.trigger == "schedule" ? {
    cron        = each.value.schedule
    time_zone   = each.value.timeZone
    retry_count = var.scheduler_retry_count
  } : null

  # As for http functions, plus the dead-letter topic's publisher grant and its subscription.
  depends_on = [
    terraform_data.manifest_checks,
    terraform_data.config_checks,
    google_project_service.enabled,
    google_project_iam_member.function_role,
    google_pubsub_topic_iam_member.function_publisher,
    google_secret_manager_secret_iam_member.function_accessor,
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_pubsub_subscription.dead_letter,
  ]
}
