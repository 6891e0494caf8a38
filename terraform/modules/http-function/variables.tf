variable "function" {
  description = "The function's settings, passed unchanged to modules/cloud-function, whose `function` variable types, defaults and validates them (project_id, region, name, ...)."
  type        = any
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
  description = "Network ingress of the function: ALLOW_ALL, or ALLOW_INTERNAL_AND_GCLB behind the root's public edge."
  type        = string
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress_settings)
    error_message = "ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}
