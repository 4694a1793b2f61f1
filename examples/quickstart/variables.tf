variable "endpoint" {
  description = "Base URL of the backup engine (or a real ZStack / CSBS endpoint)."
  type        = string
  default     = "http://127.0.0.1:8080"
}

variable "zstack_account" {
  type    = string
  default = "admin"
}

variable "zstack_password" {
  type      = string
  default   = "password"
  sensitive = true
}

variable "csbs_user" {
  type    = string
  default = "demo"
}

variable "csbs_password" {
  type      = string
  default   = "password"
  sensitive = true
}

variable "csbs_project" {
  type    = string
  default = "demo"
}

variable "protected_vms" {
  description = "Names of the VMs the CDP task protects."
  type        = set(string)
  default     = ["web-1", "db-1"]
}

variable "max_latency_ms" {
  description = "RPO of the CDP task: the most a recovery point may lag a write."
  type        = number
  default     = 600000

  validation {
    condition     = var.max_latency_ms >= 1000
    error_message = "max_latency_ms must be at least one second."
  }
}

variable "backup_generation" {
  description = "Bump to take a new VM backup of app-1."
  type        = string
  default     = "1"
}
