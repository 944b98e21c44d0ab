#!/usr/bin/env bash
# openai's own tests on the Kimi clients, for the openai installed in a project venv:
#   bash .ci/upstream/run.sh LINE PROJECT_VENV [--report-only]      (LINE: 3 or 2)
# Downloads that openai version's source distribution with pip, runs the test files below
# as shipped (baseline) and with openai.OpenAI / AsyncOpenAI replaced by KimiOpenAI /
# AsyncKimiOpenAI (kimi_swap.py), in .venv-upstreamLINE (openai's test dependencies, kept
# out of the project's venvs), and compares them test by test (suite.py, divergences.toml).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
line=$1 project=$2
report_only=${3:-}
files=(tests/test_client.py tests/lib/chat tests/test_streaming.py tests/test_response.py tests/test_legacy_response.py)

case $line in
    3) constraints=.ci/constraints.txt ;;
    2) constraints=.ci/constraints-openai2.txt ;;
    *) echo "unknown openai line: $line" >&2; exit 2 ;;
esac
venv=.venv-upstream$line
version=$("$project/bin/python" -c 'import openai; print(openai.__version__)')
work=build/upstream/openai-$version
mkdir -p "$work"

# The same openai, and the same versions of what it pulls in, as the project venv.
"$project/bin/python" -m pip freeze -q --exclude-editable | grep -E '^[A-Za-z0-9._-]+==' > "$work/project-venv.txt"
export PIP_CONSTRAINT="$root/$constraints $root/$work/project-venv.txt" PIP_BUILD_CONSTRAINT="$root/$constraints"
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install -q -U pip
"$venv/bin/python" -m pip install -q -U -e . "openai==$version" -r ".ci/upstream/requirements-$line.txt"
"$venv/bin/python" .ci/toolchain.py check "$constraints"

sdist=$work/openai-$version.tar.gz
if [ ! -f "$sdist" ]; then
    # openai pins its own hatchling; every other build dependency stays at our pins.
    grep -v '^hatchling==' "$constraints" > "$work/build-constraints.txt"
    PIP_CONSTRAINT="$root/$work/build-constraints.txt" PIP_BUILD_CONSTRAINT="$root/$work/build-constraints.txt" \
        "$venv/bin/python" -m pip download -q --no-deps --no-binary :all: "openai==$version" -d "$work"
fi
rm -rf "$work/baseline" "$work/kimi"
"$venv/bin/python" .ci/upstream/suite.py prepare "$line" "$sdist" "$work"

# openai's tests set the variables they test; nothing from this shell may leak in.
clean=()
for name in $(compgen -e); do
    case $name in OPENAI_* | MOONSHOT_* | KIMI_* | TEST_API_BASE_URL) clean+=(-u "$name") ;; esac
done

run() {  # run COPY [PLUGIN...]: pytest in one copy, outcomes to COPY.json, output to COPY.log
    local copy=$1 status=0
    shift
    (cd "$work/$copy" && env "${clean[@]}" PYTHONPATH="$root/.ci/upstream" "$root/$venv/bin/python" -m pytest \
        -p no:cacheprovider -p outcomes "$@" --outcomes "$root/$work/$copy.json" -o addopts="" -q --tb=short \
        --continue-on-collection-errors --inline-snapshot=disable "${files[@]}") > "$work/$copy.log" 2>&1 || status=$?
    if [ "$status" -gt 1 ] || [ ! -f "$work/$copy.json" ]; then
        tail -30 "$work/$copy.log"
        echo "pytest stopped (exit $status) in $work/$copy: see $work/$copy.log" >&2
        exit 1
    fi
    # Counts come from the comparison below; pytest's own summary stays in the log.
    echo "$copy: pytest exit $status, output in $work/$copy.log"
}

echo "openai $version's own tests (${files[*]}), in $venv"
rm -f "$work/baseline.json" "$work/kimi.json"
run baseline
run kimi -p kimi_swap
"$venv/bin/python" .ci/upstream/suite.py compare "$line" "$work/baseline.json" "$work/kimi.json" $report_only
