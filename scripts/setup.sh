#!/usr/bin/env bash
# Installs what building rex needs on a fresh Debian machine: cmake and libclang for HiGHS
# (the MIP/LP solver, compiled from source by the `highs-sys` crate). Idempotent.
set -euo pipefail
need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
# libclang itself (libclang.so / libclang-NN.so), not libclang-cpp, which other packages bring.
compgen -G '/usr/lib/llvm-*/lib/libclang.so*' >/dev/null || need+=(libclang-dev)
command -v g++ >/dev/null 2>&1 || need+=(g++)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
