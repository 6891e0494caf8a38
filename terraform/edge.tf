/******************************************
  Optional public edge (var.edge_domain, default off): one external HTTPS load
  balancer on the customer's domain with a Google-managed certificate, routing
  by path to the public functions (/saml/*, /oauth/*, /auth/* to auth, /webhooks/* to
  webhooks, everything else to api), and a Cloud Armor policy that rate-limits
  per client address the paths worth attacking: the SAML ACS, the session
  endpoints and the webhooks. With the edge on, the public functions accept
  traffic only from the load balancer (ingress ALLOW_INTERNAL_AND_GCLB), and
  PUBLIC_AUTH_URL / PUBLIC_WEBHOOKS_URL become https://<edge_domain>.
  Point the domain's A record at the edge_ip_address output; the certificate is
  issued once it resolves.
 *****************************************/

locals {
  edge              = var.edge_domain != null ? toset(["edge"]) : toset([])
  edge_public_names = var.edge_domain != null ? toset([for name, fn in local.http_functions : name if fn.public]) : toset([])
  # Path prefix => function, the routes each public function serves (README, Functions).
  edge_routes = {
    "/saml/*"     = "auth"
    "/oauth/*"    = "auth"
    "/auth/*"     = "auth"
    "/webhooks/*" = "webhooks"
  }
  edge_rate_limits = {
    saml_acs = { priority = 1000, expression = "request.path.startsWith('/saml/acs')", per_minute = var.edge_rate_limits.saml_acs_per_minute }
    google   = { priority = 1050, expression = "request.path.startsWith('/auth/google/')", per_minute = var.edge_rate_limits.saml_acs_per_minute }
    sessions = { priority = 1100, expression = "request.path.startsWith('/v1/session/')", per_minute = var.edge_rate_limits.session_per_minute }
    webhooks = { priority = 1200, expression = "request.path.startsWith('/webhooks/')", per_minute = var.edge_rate_limits.webhooks_per_minute }
  }
}

resource "google_compute_global_address" "edge" {
  for_each = local.edge

  project = var.project_id
  name    = "switchboard-edge"

  depends_on = [google_project_service.enabled]
}

resource "google_compute_managed_ssl_certificate" "edge" {
  for_each = local.edge

  project = var.project_id
  name    = "switchboard-edge"

  managed {
    domains = [var.edge_domain]
  }

  lifecycle {
    create_before_destroy = true
  }
}

# One serverless network endpoint group per public function (a gen2 function is a Cloud Run service).
resource "google_compute_region_network_endpoint_group" "edge" {
  for_each = local.edge_public_names

  project               = var.project_id
  region                = var.region
  name                  = "switchboard-${each.value}"
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    service = module.http_function[each.value].function.name
  }
}

resource "google_compute_security_policy" "edge" {
  for_each = local.edge

  project     = var.project_id
  name        = "switchboard-edge"
  description = "Per-address rate limits on the SAML ACS, the session endpoints and the webhooks."

  dynamic "rule" {
    for_each = local.edge_rate_limits
    content {
      priority    = rule.value.priority
      action      = "throttle"
      description = "At most ${rule.value.per_minute} requests a minute per address (${rule.key})."
      match {
        expr {
          expression = rule.value.expression
        }
      }
      rate_limit_options {
        conform_action = "allow"
        exceed_action  = "deny(429)"
        enforce_on_key = "IP"
        rate_limit_threshold {
          count        = rule.value.per_minute
          interval_sec = 60
        }
      }
    }
  }

  rule {
    priority    = 2147483647
    action      = "allow"
    description = "Everything else: the functions check their own credentials."
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}

resource "google_compute_backend_service" "edge" {
  for_each = local.edge_public_names

  project               = var.project_id
  name                  = "switchboard-${each.value}"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.edge["edge"].id

  backend {
    group = google_compute_region_network_endpoint_group.edge[each.value].id
  }
}

resource "google_compute_url_map" "edge" {
  for_each = local.edge

  project         = var.project_id
  name            = "switchboard-edge"
  default_service = google_compute_backend_service.edge["api"].id

  host_rule {
    hosts        = [var.edge_domain]
    path_matcher = "functions"
  }

  path_matcher {
    name            = "functions"
    default_service = google_compute_backend_service.edge["api"].id

    dynamic "path_rule" {
      for_each = { for path, name in local.edge_routes : path => name if contains(local.edge_public_names, name) }
      content {
        paths   = [path_rule.key]
        service = google_compute_backend_service.edge[path_rule.value].id
      }
    }
  }
}

resource "google_compute_target_https_proxy" "edge" {
  for_each = local.edge

  project          = var.project_id
  name             = "switchboard-edge"
  url_map          = google_compute_url_map.edge["edge"].id
  ssl_certificates = [google_compute_managed_ssl_certificate.edge["edge"].id]
}

resource "google_compute_global_forwarding_rule" "edge" {
  for_each = local.edge

  project               = var.project_id
  name                  = "switchboard-edge-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.edge["edge"].id
  port_range            = "443"
  target                = google_compute_target_https_proxy.edge["edge"].id
}

# Plain HTTP only redirects to HTTPS.
resource "google_compute_url_map" "edge_redirect" {
  for_each = local.edge

  project = var.project_id
  name    = "switchboard-edge-redirect"

  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "edge_redirect" {
  for_each = local.edge

  project = var.project_id
  name    = "switchboard-edge-redirect"
  url_map = google_compute_url_map.edge_redirect["edge"].id
}

resource "google_compute_global_forwarding_rule" "edge_redirect" {
  for_each = local.edge

  project               = var.project_id
  name                  = "switchboard-edge-http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.edge["edge"].id
  port_range            = "80"
  target                = google_compute_target_http_proxy.edge_redirect["edge"].id
}
