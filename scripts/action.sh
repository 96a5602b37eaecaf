#!/usr/bin/env bash
# The steps of action.yml (a composite GitHub Action), kept in one script so that the tests run
# exactly what the action runs (test/cli/action.test.ts). Inputs come as INPUT_* variables.
set -euo pipefail

out() { if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1=$2" >> "$GITHUB_OUTPUT"; fi; }

case "${1:-}" in
  install)
    if [ -n "${IMAGE_SHARE_VERSION:-}" ]; then
      dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/image-share-cli"
      mkdir -p "$dir"
      npm install --prefix "$dir" --no-audit --no-fund --silent "image-share@${IMAGE_SHARE_VERSION}"
      out cli "$dir/node_modules/image-share/cli.js"
    else
      # The action's own checkout: install its dependencies (building it) once.
      if [ ! -f "$ACTION_PATH/bin/provider/cli/main.js" ]; then
        (cd "$ACTION_PATH" && npm ci --no-audit --no-fund --silent)
      fi
      out cli "$ACTION_PATH/cli.js"
    fi
    ;;
  validate)
    args=()
    read -r -a files <<< "${INPUT_FILES:-topology}"
    args+=("${files[@]}")
    args+=(--format "${INPUT_FORMAT:-github}")
    [ -n "${INPUT_SARIF:-}" ] && args+=(--sarif "$INPUT_SARIF")
    if [ "${INPUT_SUMMARY:-true}" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then args+=(--summary "$GITHUB_STEP_SUMMARY"); fi
    [ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
    [ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
    args+=(--fail-on "${INPUT_FAIL_ON:-error}")
    code=0
    node "${IMAGE_SHARE_CLI:-$ACTION_PATH/cli.js}" validate "${args[@]}" || code=$?
    out exit-code "$code"
    exit "$code"
    ;;
  *)
    echo "usage: action.sh install|validate" >&2
    exit 2
    ;;
esac
