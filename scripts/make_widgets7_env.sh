#!/usr/bin/env bash
# A second, cheap environment with Colab's ipywidgets 7.7.1 (for tests/test_colab.py and the
# widget tests under ipywidgets 7): a venv whose site-packages gets a .pth naming the main .venv's
# site-packages, so torch and the rest are shared, not reinstalled; only ipywidgets 7.7.1 and its
# own dependencies (widgetsnbextension 3.x, jupyterlab_widgets 1.x) are installed into it, and
# they come first on sys.path, so they shadow the main environment's ipywidgets 8.
#   bash scripts/make_widgets7_env.sh [MAIN_VENV] [TARGET]    (defaults: .venv .venv-widgets7)
set -euo pipefail
cd "$(dirname "$0")/.."
main="${1:-.venv}"
target="${2:-.venv-widgets7}"
[ -x "$main/bin/python" ] || { echo "no main environment at $main: run command 2 of the README first" >&2; exit 1; }

main_site="$("$main/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -rf "$target"
"$main/bin/python" -m venv "$target"
own_site="$("$target/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$main_site" > "$own_site/main-venv.pth"
"$target/bin/python" -m pip install -q --disable-pip-version-check \
    "ipywidgets==7.7.1" "widgetsnbextension>=3.6,<4" "jupyterlab_widgets>=1.1,<2"
"$target/bin/python" -c 'import ipywidgets, torch; print(f"{ipywidgets.__version__=} {torch.__version__=}")'
