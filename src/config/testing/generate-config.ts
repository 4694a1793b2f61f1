/**
 * Seeded generator of real-world-shaped Terraform configuration, for differential tests, fuzzing and the
 * parse benchmark. Same seed, same text. Covers the constructs backup configurations use: variables with
 * object types and validation, locals with conditionals and for expressions, resources with count/for_each,
 * templates, heredocs, dynamic blocks, lifecycle, nested blocks, splats, data sources, outputs and modules.
 */

/** Small fast PRNG (mulberry32): deterministic across runs and platforms. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenOptions {
  resources: number;
  /** Restrict to constructs hcl2-parser (HCL v2 via GopherJS) handles identically (no provider:: functions). */
  oracleSafe?: boolean;
}

const TYPES = ["zstack_cdp_task", "zstack_vm_backup", "csbs_backup_policy", "csbs_backup_policy_checkpoint"];

/** A configuration text with `resources` resource blocks plus the declarations they reference. */
export function generateConfig(seed: number, opts: GenOptions): string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  const out: string[] = [];
  out.push(`terraform {
  required_version = ">= 1.5"
  required_providers {
    zstack = {
      source  = "zstackio/zstack"
      version = "~> 1.0"
    }
  }
}

variable "env" {
  type        = string
  default     = "prod"
  description = "Deployment environment"
  validation {
    condition     = contains(["prod", "dev"], var.env)
    error_message = "env must be prod or dev."
  }
}

variable "tasks" {
  type = map(object({
    schedule  = string
    retention = number
    volumes   = list(string)
  }))
  default = {
    db  = { schedule = "0 2 * * *", retention = 7, volumes = ["vol-a", "vol-b"] }
    web = { schedule = "0 3 * * *", retention = 3, volumes = [] }
  }
}

locals {
  is_prod = var.env == "prod" ? true : false
  prefix  = "\${var.env}-backup"
  names   = [for k, v in var.tasks : upper(k) if v.retention > 1]
  by_sched = { for k, v in var.tasks : v.schedule => k... }
  total   = (1 + 2) * 3 - -1
}
`);
  for (let i = 0; i < opts.resources; i++) {
    const type = pick(TYPES);
    const shape = int(6);
    const lines: string[] = [];
    lines.push(`resource "${type}" "r${i}" {`);
    switch (shape) {
      case 0:
        lines.push(`  for_each    = var.tasks`, `  name        = "\${var.env}-\${each.key}-${i}"`, `  retention   = local.is_prod ? each.value.retention * 2 : each.value.retention`);
        lines.push(`  description = <<-EOT
    Backup task ${i} for \${each.key}
      Environment: \${var.env}
    EOT`);
        lines.push(`  dynamic "volume" {
    for_each = each.value.volumes
    content {
      uuid     = volume.value
      priority = volume.key
    }
  }`);
        break;
      case 1:
        lines.push(`  count = local.is_prod ? 2 : 1`, `  name  = format("%s-bs-%02d", local.prefix, count.index)`, `  tags  = { env = var.env, index = count.index, "quoted key" = true }`);
        break;
      case 2:
        lines.push(`  name           = "plain-${i}"`, `  retention_days = ${int(30) + 1}`, `  enabled        = ${r() < 0.5}`, `  ratio          = ${(r() * 10).toFixed(2)}`, `  nothing        = null`);
        lines.push(`  policy {
    mode = "incremental"
    window {
      start = "01:00"
      end   = "05:00"
    }
  }`);
        break;
      case 3:
        lines.push(`  name       = "dep-${i}"`, `  ids        = ${i > 0 ? `${TYPES[0]}.shared[*].id` : "[]"}`, `  first      = try(${TYPES[0]}.shared[0].tags["env"], "none")`, `  escaped    = "literal \\"quotes\\" and \\\\ backslash"`);
        lines.push(`  depends_on = [${TYPES[0]}.shared]`);
        break;
      case 4:
        lines.push(`  name   = join("-", [for s in local.names : lower(s)])`, `  merged = merge(var.tasks, { extra = { schedule = "x", retention = 1, volumes = [] } })`, `  flag   = !local.is_prod && length(local.names) >= 1 || false`);
        lines.push(`  text   = "%{if local.is_prod}production%{else}staging%{endif} run %{for n in local.names}\${n},%{endfor}"`);
        break;
      default:
        lines.push(`  name     = "lc-${i}"`, `  provider = zstack`);
        if (!opts.oracleSafe && r() < 0.3) lines.push(`  parsed   = provider::zstack::parse_id("a/b")`);
        lines.push(`  lifecycle {
    create_before_destroy = true
    prevent_destroy       = false
    ignore_changes        = [tags, description]
  }`);
        lines.push(`  timeouts {
    create = "30m"
    delete = "20m"
  }`);
    }
    lines.push("}", "");
    out.push(lines.join("\n"));
  }
  out.push(`resource "${TYPES[0]}" "shared" {
  count = 2
  name  = "shared-\${count.index}"
  tags  = { env = var.env }
}

data "zstack_vm" "db" {
  name = "db-vm"
}

output "shared_ids" {
  value       = ${TYPES[0]}.shared[*].id
  description = "IDs of the shared tasks"
}

output "vm" {
  value     = data.zstack_vm.db.uuid
  sensitive = true
}
`);
  return out.join("\n");
}
