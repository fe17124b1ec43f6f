#!/usr/bin/env bash
# CUDA end-to-end check for MLOps.Inference (ONNX Runtime 1.31 CUDA build: needs CUDA 13.x and cuDNN 9 on the host).
#
#   benchmarks/gpu/check.sh              build (needs the .NET 10 SDK and NuGet) and run here
#   benchmarks/gpu/check.sh pack DIR     publish self-contained for linux-x64, compress, split into 60 MB parts in DIR (each fits a 64 MiB carry beside the tree)
#   benchmarks/gpu/check.sh run DIR      reassemble the parts in DIR and run (no SDK or network needed)
#
# It loads the test MLP (and, when /usr/bin/python3 has onnx + numpy, the 512→2048→2048→2 MLP) on the CUDA
# execution provider, checks the outputs equal the CPU's within 1e-5 (use_tf32=0), measures naive vs batcher vs raw 64-row
# throughput on the GPU, and prints a table. Exit: 0 passed, 1 outputs differ, 2 CUDA unavailable (reason printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mode=${1:-local}

publish() { # $1: output folder
  dotnet publish "$here/MLOps.GpuCheck/MLOps.GpuCheck.csproj" -c Release -r linux-x64 --self-contained -o "$1" -p:DebugType=none >&2
  # Drop the TensorRT provider (not used) to keep the bundle small; keep CUDA and the shared provider library.
  rm -f "$1"/libonnxruntime_providers_tensorrt.so
  if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null; then
    /usr/bin/python3 "$repo/tests/assets/generators/make_models.py" --heavy "$1/assets" >&2
  fi
}

cuda_library_path() { # CUDA 13 / cuDNN 9 folders: the toolkit's, and those of NVIDIA's pip wheels (nvidia-cublas, nvidia-cudnn-cu13, ...)
  local dirs=() d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-13*/lib64 /usr/lib/x86_64-linux-gnu \
           /opt/*/.venv/lib/python3*/site-packages/nvidia/*/lib /usr/local/lib/python3*/dist-packages/nvidia/*/lib \
           /usr/lib/python3/dist-packages/nvidia/*/lib /opt/*/.venv/lib/python3*/site-packages/nvidia/cu13/lib; do
    [ -d "$d" ] && dirs+=("$d")
  done
  (IFS=:; echo "${dirs[*]}")
}

run_bundle() { # $1: folder with the published files
  chmod +x "$1/MLOps.GpuCheck"
  export LD_LIBRARY_PATH="$(cuda_library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  if command -v ldd >/dev/null; then
    ldd "$1/libonnxruntime_providers_cuda.so" | grep -E 'not found|cublas|cudart|curand|cufft' || true
    for lib in libcudnn.so.9 libcublasLt.so.13; do
      found=$(IFS=:; for d in $LD_LIBRARY_PATH; do ls "$d/$lib" 2>/dev/null || true; done | head -1)
      echo "$lib: ${found:-not found}"
    done
  fi
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not found"
  "$1/MLOps.GpuCheck" "$1/assets/mlp_heavy.onnx"
}

case "$mode" in
  local)
    out=$(mktemp -d)
    publish "$out"
    run_bundle "$out"
    ;;
  pack)
    dir=${2:?give the folder for the parts}
    mkdir -p "$dir"
    out=$(mktemp -d)
    publish "$out"
    tar -C "$out" -cf - . | xz -T0 -6 | split -b 60m - "$dir/gpucheck.tar.xz.part-"
    ls -la "$dir"
    ;;
  run)
    dir=${2:?give the folder with the parts}
    out=$(mktemp -d)
    cat "$dir"/gpucheck.tar.xz.part-* | xz -d -T0 | tar -C "$out" -xf -
    run_bundle "$out"
    ;;
  *)
    echo "usage: $0 [pack DIR | run DIR]" >&2
    exit 64
    ;;
esac
