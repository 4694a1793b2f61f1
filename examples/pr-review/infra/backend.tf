# The state lives in a shared backend with locking, never in a CI cache: the backup engine's Terraform state
# server (Terraform's http protocol, docs/state.md). Every setting comes from the TF_HTTP_* variables the CI jobs
# set (TF_HTTP_ADDRESS, TF_HTTP_LOCK_ADDRESS, TF_HTTP_UNLOCK_ADDRESS, TF_HTTP_USERNAME, TF_HTTP_PASSWORD), so
# the same directory works against any engine, and with Terraform 1.11 too. To keep it in PostgreSQL instead:
# backend "pg" {} with PG_CONN_STR.
terraform {
  backend "http" {}
}
