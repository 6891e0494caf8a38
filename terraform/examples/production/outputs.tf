output "public_function_uris" {
  description = "The api, auth and webhooks URLs (give the auth URL to Google's SAML app, the api URL to the client apps)."
  value       = module.switchboard.public_function_uris
}

output "saml_acs_url" {
  description = "The ACS URL to enter in the Google Workspace SAML app."
  value       = module.switchboard.saml_acs_url
}

output "oauth_redirect_uri" {
  description = "The redirect URI to register on the Google OAuth client."
  value       = module.switchboard.oauth_redirect_uri
}
