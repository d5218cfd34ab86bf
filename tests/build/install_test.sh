#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# install_test.sh <build dir> <work dir> <consumer src> <libdir> <version>
#                 <cmake> <cc> <nm> [<compile and link flags>]
#
# Installs the build into <work dir>/prefix with `cmake --install`, checks
# the installed layout, then builds tests/build/consumer against it the two
# ways docs/building.md tells users to, and runs every result:
#
#   pkg-config   clockwork and clockwork-sim, each shared (with an rpath)
#                and static (--static, the archives)
#   find_package clockwork::clockwork, clockwork::clockwork_static,
#                clockwork::sim and clockwork::sim_static
#
# and checks with <nm> that the installed libclockwork has no simulator
# symbol (check_no_sim.sh, beside this script).
#
# <libdir> is CMAKE_INSTALL_LIBDIR, relative to the prefix. The flags are the
# build's sanitizer or coverage flags: an instrumented library only links
# into an instrumented program. Everything lands in <work dir>, which is
# wiped first and kept afterwards for inspection.
set -euo pipefail

if [[ $# -lt 8 ]]; then
	echo "usage: install_test.sh <build> <work> <consumer src> <libdir> <version> <cmake> <cc> <nm> [flags]" >&2
	exit 2
fi
build=$1 work=$2 src=$3 libdir_rel=$4 version=$5 cmake=$6 cc=$7 nm=$8
read -ra flags <<<"${9:-}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

prefix=$work/prefix
libdir=$prefix/$libdir_rel
warnings=(-std=c11 -Wall -Wextra -Werror)

fail() {
	echo "install_test: $*" >&2
	exit 1
}

step() {
	echo "== $*"
}

# Prints the library names a program needs (its DT_NEEDED entries).
needed() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

rm -rf "$work"
mkdir -p "$work"

step "cmake --install $build --prefix $prefix"
if ! "$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1; then
	cat "$work/install.log" >&2
	fail "cmake --install failed"
fi

step "installed layout"
for f in include/clockwork/clockwork.h include/clockwork/types.h include/clockwork/port.h \
	include/clockwork/config.h \
	include/clockwork/sim.h include/clockwork/sim_hw.h \
	"$libdir_rel/libclockwork.a" "$libdir_rel/libclockwork.so" \
	"$libdir_rel/libclockwork-sim.a" "$libdir_rel/libclockwork-sim.so" \
	"$libdir_rel/pkgconfig/clockwork.pc" "$libdir_rel/pkgconfig/clockwork-sim.pc" \
	"$libdir_rel/cmake/clockwork/clockworkConfig.cmake" \
	"$libdir_rel/cmake/clockwork/clockworkConfigVersion.cmake" \
	"$libdir_rel/cmake/clockwork/clockworkTargets.cmake"; do
	[[ -e $prefix/$f ]] || fail "not installed: $f (see $work/install.log)"
done
# Private headers are never installed (STYLE B3): they #error outside the
# library anyway, so an installed one is only a trap.
private=$(find "$prefix" -name '*-internal.h')
[[ -z $private ]] || fail "private headers installed: $private"

step "no simulator symbol in the installed libclockwork"
bash "$here/check_no_sim.sh" "$nm" "$libdir/libclockwork.so" "$libdir/libclockwork.a" ||
	fail "the installed libclockwork has simulator symbols"

step "pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
pkg-config --exists --print-errors clockwork || fail "pkg-config cannot load clockwork.pc"
pc_version=$(pkg-config --modversion clockwork)
[[ $pc_version == "$version" ]] || fail "clockwork.pc says version $pc_version, project is $version"
# The .pc must describe where it was installed, not where the build was
# configured to install: `cmake --install --prefix` moves it.
pc_prefix=$(pkg-config --variable=prefix clockwork)
if [[ $(cd "$pc_prefix" 2>/dev/null && pwd -P) != $(cd "$prefix" && pwd -P) ]]; then
	fail "clockwork.pc says prefix=$pc_prefix but was installed into $prefix;" \
		"cmake/clockwork.pc.in must derive the prefix from its own location" \
		"(prefix=\${pcfiledir}/<path from libdir/pkgconfig back to the prefix>)"
fi
read -ra pc_cflags <<<"$(pkg-config --cflags clockwork)"
read -ra pc_libs <<<"$(pkg-config --libs clockwork)"
read -ra pc_static_libs <<<"$(pkg-config --static --libs clockwork)"

step "pkg-config, shared: ${pc_cflags[*]} ${pc_libs[*]}"
"$cc" "${warnings[@]}" "${flags[@]}" "${pc_cflags[@]}" "$src/consumer.c" \
	-o "$work/pc-shared" "${pc_libs[@]}" "-Wl,-rpath,$libdir"
# Captured first: grep -q exiting early could SIGPIPE the pipeline's writer.
deps=$(needed "$work/pc-shared")
grep -q '^libclockwork\.so' <<<"$deps" ||
	fail "pc-shared does not load libclockwork.so (NEEDED: $(xargs <<<"$deps"))"
"$work/pc-shared"

# -l:libclockwork.a picks the archive over the .so that sits beside it, which
# is what a static-only user gets; the rest of --static --libs (threads, libm
# from Libs.private) must then be enough to link.
step "pkg-config, static: ${pc_static_libs[*]}"
"$cc" "${warnings[@]}" "${flags[@]}" "${pc_cflags[@]}" "$src/consumer.c" \
	-o "$work/pc-static" "${pc_static_libs[@]/#-lclockwork/-l:libclockwork.a}"
deps=$(needed "$work/pc-static")
! grep -q '^libclockwork' <<<"$deps" || fail "pc-static still loads libclockwork.so"
"$work/pc-static"

# clockwork-sim: Requires clockwork, so --libs lists both libraries in link
# order, and the program loads both.
pkg-config --exists --print-errors clockwork-sim || fail "pkg-config cannot load clockwork-sim.pc"
sim_version=$(pkg-config --modversion clockwork-sim)
[[ $sim_version == "$version" ]] || fail "clockwork-sim.pc says version $sim_version, project is $version"
read -ra sim_cflags <<<"$(pkg-config --cflags clockwork-sim)"
read -ra sim_libs <<<"$(pkg-config --libs clockwork-sim)"
read -ra sim_static_libs <<<"$(pkg-config --static --libs clockwork-sim)"

step "pkg-config clockwork-sim, shared: ${sim_cflags[*]} ${sim_libs[*]}"
"$cc" "${warnings[@]}" "${flags[@]}" "${sim_cflags[@]}" "$src/consumer_sim.c" \
	-o "$work/pc-sim-shared" "${sim_libs[@]}" "-Wl,-rpath,$libdir"
deps=$(needed "$work/pc-sim-shared")
grep -q '^libclockwork-sim\.so' <<<"$deps" ||
	fail "pc-sim-shared does not load libclockwork-sim.so (NEEDED: $(xargs <<<"$deps"))"
"$work/pc-sim-shared"

step "pkg-config clockwork-sim, static: ${sim_static_libs[*]}"
sim_static_libs=("${sim_static_libs[@]/#-lclockwork-sim/-l:libclockwork-sim.a}")
"$cc" "${warnings[@]}" "${flags[@]}" "${sim_cflags[@]}" "$src/consumer_sim.c" \
	-o "$work/pc-sim-static" "${sim_static_libs[@]/#-lclockwork/-l:libclockwork.a}"
deps=$(needed "$work/pc-sim-static")
! grep -q '^libclockwork' <<<"$deps" || fail "pc-sim-static still loads a libclockwork .so"
"$work/pc-sim-static"

step "find_package(clockwork) with CMAKE_PREFIX_PATH=$prefix"
generator=()
if command -v ninja >/dev/null 2>&1; then
	generator=(-G Ninja)
fi
if ! "$cmake" -S "$src" -B "$work/cmake-consumer" "${generator[@]}" \
	-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${flags[*]}" \
	-DCMAKE_PREFIX_PATH="$prefix" -DCW_EXPECT_VERSION="$version" \
	-DCW_EXPECT_PREFIX="$prefix" >"$work/cmake-consumer.log" 2>&1; then
	cat "$work/cmake-consumer.log" >&2
	fail "configuring the find_package consumer failed"
fi
if ! "$cmake" --build "$work/cmake-consumer" >>"$work/cmake-consumer.log" 2>&1; then
	cat "$work/cmake-consumer.log" >&2
	fail "building the find_package consumer failed"
fi
"$work/cmake-consumer/consumer"
"$work/cmake-consumer/consumer_static"
"$work/cmake-consumer/consumer_sim"
"$work/cmake-consumer/consumer_sim_static"
deps=$(needed "$work/cmake-consumer/consumer_sim")
grep -q '^libclockwork-sim\.so' <<<"$deps" ||
	fail "consumer_sim (clockwork::sim) does not load libclockwork-sim.so (NEEDED: $(xargs <<<"$deps"))"
deps=$(needed "$work/cmake-consumer/consumer_sim_static")
! grep -q '^libclockwork' <<<"$deps" ||
	fail "consumer_sim_static (clockwork::sim_static) loads a libclockwork .so"

echo "install_test: installed tree works with pkg-config and find_package"
