terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  # Partial configuration: terraform init -backend-config=backend.hcl (bucket and prefix of your state).
  backend "gcs" {}

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.25, < 7"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 5.25, < 7"
    }
  }
}
