#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check_sim_drivers.sh <sim-dir> <objects>: the seam between the sim port's
# timer models and their drivers (issue 14, section 1; docs/simulator.md,
# "Adding a timer model"). A model (hw-X.c) is registers, their side
# effects and its interrupt line; its driver (drv-X.c) programs it only
# through the register accessors of hw-driver.h. Fails, naming each broken
# rule, if
#
#   1. a driver file (drv-*.c) or hw-driver.h includes a project header
#      other than port/sim/hw-driver.h and the list of kinds hw-kinds.def
#      (hw-internal.h would hand it the model's structs), or defines a
#      struct the models own
#      (cw_sim_hw_timer, sim_hw_chan, cw_sim_hw);
#   2. a driver object references a cw symbol other than the register
#      accessors (cw__sim_hw_reg_read/write), the driver helpers
#      (cw__sim_hw_drv_*), the core's clock event API (cw_clockevent*) and
#      the interrupt controller's affinity call: no time base, no engine
#      event, no down-counter, no model internals;
#   3. a model object (hw-*.c with a register map, i.e. any hw-*.c but
#      hw-chan.c) calls the core's clock event API (cw_clockevent*): driving
#      the core is the driver's job, so a model that does contains its
#      driver;
#   4. a kind of <sim-dir>/hw-kinds.def (when there is one) lacks its model
#      (cw__sim_hw_<model>_ops defined by a hw-*.c object) or its driver
#      (cw__sim_drv_<model> defined by a drv-*.c object).
#
# <objects>: object files, as arguments or one ';'-separated list
# (e.g. $<TARGET_OBJECTS:...>); those not compiled from a file of <sim-dir>
# are ignored. Models listed in SIM_DRV_PENDING (space-separated file
# names) are reported, not failed: a model not split yet.
set -euo pipefail

dir=${1:?usage: check_sim_drivers.sh <sim-dir> <objects...>}
shift
objs=()
for a in "$@"; do
	IFS=';' read -r -a parts <<<"$a"
	objs+=("${parts[@]}")
done
pending=${SIM_DRV_PENDING:-}
fail=0
problem() {
	echo "sim-drivers: FAIL: $*" >&2
	fail=1
}
is_pending() {
	local p
	for p in $pending; do
		[[ $1 == "$p" ]] && return 0
	done
	return 1
}

drivers=0
for f in "$dir"/drv-*.c "$dir"/hw-driver.h; do
	[[ -e $f ]] || continue
	name=${f##*/}
	[[ $name == drv-*.c ]] && drivers=$((drivers + 1))
	while IFS= read -r h; do
		case $h in
		port/sim/hw-driver.h | hw-driver.h) [[ $name == hw-driver.h ]] && problem "$name includes itself" ;;
		port/sim/hw-kinds.def) ;; # the list of kinds (names, compatible strings)
		*) problem "$name includes \"$h\": a driver sees its model only through hw-driver.h" ;;
		esac
	done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$f")
	while IFS= read -r line; do
		problem "$name:${line%%:*}: defines a model structure (${line#*:}): drivers see models as opaque"
	done < <(grep -nE '^[[:space:]]*struct[[:space:]]+(cw_sim_hw_timer|sim_hw_chan|cw_sim_hw)[[:space:]]*\{' "$f" || true)
done
echo "sim-drivers: $drivers driver files in $dir"

allowed='^(cw__sim_hw_reg_read|cw__sim_hw_reg_write|cw__sim_hw_drv_[a-z_]+|cw_clockevents?_[a-z_]+|cw_sim_hw_irq_set_affinity|cw_sim_hw_timer_nr_devices)$'
seen=0
for o in "${objs[@]}"; do
	[[ -n $o ]] || continue
	b=${o##*/}
	b=${b%.o}
	b=${b%.obj}
	[[ -e $dir/$b ]] || continue
	case $b in
	drv-*.c)
		seen=$((seen + 1))
		while read -r sym; do
			[[ $sym =~ $allowed ]] && continue
			problem "$b references $sym: a driver reaches its model only through the register accessors"
		done < <(nm -u "$o" | awk '{print $NF}' | grep -E '^cw' || true)
		;;
	hw-chan.c) ;;
	hw-*.c)
		mapfile -t ce < <(nm -u "$o" | awk '{print $NF}' | grep -E '^cw_clockevents?_' || true)
		if ((${#ce[@]})); then
			if is_pending "$b"; then
				echo "sim-drivers: pending: $b still contains its driver (${ce[*]})"
			else
				problem "$b calls ${ce[*]}: a model that drives the core contains its driver; move it to a drv-*.c"
			fi
		fi
		;;
	esac
done
echo "sim-drivers: $seen driver objects checked"

if [[ -e $dir/hw-kinds.def ]]; then
	mapfile -t models < <(sed -nE 's/^SIM_HW_KIND\([A-Z_0-9]+, *([a-z_0-9]+),.*/\1/p' "$dir/hw-kinds.def")
	declare -A defined_by=()
	for o in "${objs[@]}"; do
		[[ -n $o ]] || continue
		b=${o##*/}
		b=${b%.o}
		b=${b%.obj}
		[[ -e $dir/$b ]] || continue
		while read -r sym; do
			defined_by[$sym]=$b
		done < <(nm --defined-only "$o" | awk '{print $NF}' | grep -E '^cw__sim_(hw_[a-z_0-9]+_ops|drv_[a-z_0-9]+)$' || true)
	done
	for model in "${models[@]}"; do
		f=${defined_by[cw__sim_hw_${model}_ops]:-}
		[[ $f == hw-*.c ]] || problem "kind $model: cw__sim_hw_${model}_ops is not defined by a hw-*.c model (${f:-nowhere})"
		f=${defined_by[cw__sim_drv_${model}]:-}
		[[ $f == drv-*.c ]] || problem "kind $model: cw__sim_drv_${model} is not defined by a drv-*.c driver (${f:-nowhere})"
	done
	echo "sim-drivers: ${#models[@]} kinds of hw-kinds.def checked for a hw-*.c model and a drv-*.c driver"
fi
if ((drivers == 0 || seen == 0)); then
	problem "no driver file or object found in $dir: nothing was checked"
fi
exit $fail
