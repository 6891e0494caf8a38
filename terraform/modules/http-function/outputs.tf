output "function" {
  description = "The function: modules/cloud-function's outputs name, id, uri, service and service_account_email."
  value       = module.function
}

output "public" {
  description = "Whether allUsers may invoke the function."
  value       = var.public
}
