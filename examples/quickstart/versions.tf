terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
    csbs   = { source = "backplan/csbs" }
  }
}

provider "zstack" {
  endpoint         = "${var.endpoint}/zstack"
  account_name     = var.zstack_account
  account_password = var.zstack_password
}

provider "csbs" {
  auth_url         = "${var.endpoint}/v3"
  username         = var.csbs_user
  password         = var.csbs_password
  project_name     = var.csbs_project
  user_domain_name = "Default"
}
