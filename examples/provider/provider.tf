terraform {
  required_providers {
    oms = {
      source = "terraform.local/local/oms"
    }
  }
}

# Credentials can also come from HW_ACCESS_KEY / HW_SECRET_KEY (or an IAM
# token from HW_AUTH_TOKEN); keep them out of configuration files.
provider "oms" {
  region     = "cn-north-4"
  project_id = "2c0689c860ad4728a497c91ec0844383"
}
