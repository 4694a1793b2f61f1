#!/bin/sh
# Applies exactly the plan a pull request's reviewers saw, or refuses.
#
#   apply-reviewed-plan.sh PLANFILE DIR [FLAG...]      (FLAGs, e.g. -lock-timeout=60s, go to apply and plan)
#
# The state is DIR's backend (examples/pr-review/infra/backend.tf: the engine's state server via TF_HTTP_*).
#
# backplan refuses a saved plan when the configuration changed after it was made (another PR merged first), or
# when the state moved on (another apply ran): "Saved plan does not match the configuration", "Saved plan is
# stale", "Saved plan does not match the given state". Then this script makes a fresh plan (fresh-plan.bin,
# fresh-plan.md) for a human to review and exits 3. It never applies anything that was not reviewed.
#
# Exit codes: 0 applied; 1 apply failed; 3 the reviewed plan is stale, a fresh plan was made, nothing applied.
set -u
plan="$1"
dir="$2"
shift 2
backplan="${BACKPLAN:-backplan}"

if [ ! -f "$plan" ]; then
  echo "apply-reviewed-plan: $plan does not exist: no reviewed plan to apply" >&2
  exit 1
fi

err="$(mktemp)"
if $backplan apply -no-color -chdir="$dir" "$@" "$plan" 2>"$err"; then
  rm -f "$err"
  exit 0
fi
cat "$err" >&2
if grep -q -e "Saved plan is stale" -e "Saved plan does not match" "$err"; then
  rm -f "$err"
  echo "" >&2
  echo "apply-reviewed-plan: the reviewed plan no longer applies; NOT applying. Making a fresh plan for review." >&2
  $backplan plan -no-color -chdir="$dir" "$@" -out fresh-plan.bin -lock-timeout=60s
  $backplan show -no-color -markdown -comment-id "${COMMENT_ID:-$dir}" -title "Fresh plan for $dir (the reviewed plan was stale)" fresh-plan.bin > fresh-plan.md
  exit 3
fi
rm -f "$err"
exit 1
