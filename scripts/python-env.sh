# Source it: python_env VENV LOG makes (or reuses) a virtual environment with
# tests/python/requirements.txt installed, and sets $PYTHON to its interpreter.
python_env() {
    local venv=$1 log=$2 stamp
    stamp="$venv/.requirements"
    if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/python/requirements.txt "$stamp"; then
        echo "Installing the Python packages of tests/python/requirements.txt into $venv (log in $log)..."
        if ! { python3 -m venv "$venv" &&
            "$venv/bin/pip" install -q -r tests/python/requirements.txt; } >"$log" 2>&1; then
            tail -n 40 "$log" >&2
            echo "creating the Python environment failed; log in $log" >&2
            return 1
        fi
        cp tests/python/requirements.txt "$stamp"
    fi
    PYTHON=$(cd "$venv" && pwd)/bin/python
}
