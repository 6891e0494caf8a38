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
