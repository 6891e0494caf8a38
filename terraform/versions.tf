terraform {
  # optional() object attributes need 1.3; terraform_data preconditions need 1.4; 1.5 is the floor we test against.
  required_version = ">= 1.5.0, < 2.0.0"

  # 5.25 is the first provider with google_cloudfunctions2_function.build_config.service_account.
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

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}
