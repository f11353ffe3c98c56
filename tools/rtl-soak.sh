#!/bin/sh
# Long co-simulation soak of the RTL blocks against the model: every TLB and
# PSC configuration (and the page walker's, when built) for TRANSACTIONS
# transactions each. On a mismatch the run stops, reports the transaction and
# writes the waveform of the cycles before it to OUT/<block>-<config>.vcd.
#   tools/rtl-soak.sh [BUILD_DIR [TRANSACTIONS [SEED [OUT]]]]
# Defaults: build 10000000 1 out/rtl-soak. Exit status 0 when every run is clean.
set -u
build=${1:-build}
transactions=${2:-10000000}
seed=${3:-1}
out=${4:-out/rtl-soak}
cosim=$build/rtl/cosim

for tool in "$cosim/tlb/tlb_cosim" "$cosim/psc/psc_cosim"; do
    if [ ! -x "$tool" ]; then
        echo "rtl-soak: $tool not found; build it first: cmake --build $build --target tlb_cosim psc_cosim" >&2
        exit 2
    fi
done
mkdir -p "$out" || exit 2
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

failed=0
summary=""
run() {  # name, command...
    name=$1
    shift
    echo "== $name: $*"
    "$@"
    rc=$?
    if [ $rc -eq 0 ]; then
        summary="$summary$name: clean\n"
    else
        summary="$summary$name: FAILED (exit $rc)\n"
        failed=1
    fi
}

for config in small setassoc split; do
    run "tlb $config" "$cosim/tlb/tlb_cosim" --config $config --transactions "$transactions" --seed "$seed" \
        --vcd "$out/tlb-$config.vcd"
done
for config in 5level 4level; do
    run "psc $config" "$cosim/psc/psc_cosim" --config $config --transactions "$transactions" --seed "$seed" \
        --vcd "$out/psc-$config.vcd"
done
if [ -x "$cosim/walker/walker_cosim" ]; then
    run "walker 4-level" "$cosim/walker/walker_cosim" --levels 4 --transactions "$transactions" --seed "$seed" \
        --progress 1000000 --vcd "$out/walker-4level.vcd"
    run "walker 5-level" "$cosim/walker/walker_cosim" --levels 5 --config pa52 --transactions "$transactions" \
        --seed "$seed" --progress 1000000 --vcd "$out/walker-5level.vcd"
fi

printf "== summary (%s transactions each, seed %s)\n$summary" "$transactions" "$seed"
exit $failed
