"""Which NVIDIA GPUs this machine has, asked of ``nvidia-smi`` (no CUDA or torch import)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

QUERY = ["--query-gpu=index,name,memory.total", "--format=csv"]


@dataclass(frozen=True, slots=True)
class Gpu:
    index: int
    name: str
    memory_mib: int

    def has_memory_gb(self, gb: int) -> bool:
        """Whether this is at least a "``gb`` GB" card. Cards report a little less than their
        nominal size, in MiB (a 24 GB A10G reports 23028 MiB, an 80 GB H100 81559 MiB), hence
        decimal gigabytes with a 5% tolerance."""
        return self.memory_mib * 1024 * 1024 >= gb * 1e9 * 0.95


def parse_nvidia_smi(output: str) -> list[Gpu]:
    """Parse ``nvidia-smi --query-gpu=index,name,memory.total --format=csv`` (with or without
    the header line; memory with or without its ``MiB`` unit)."""
    gpus = []
    for line in output.strip().splitlines():
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != 3 or not fields[0].isdigit():
            continue  # the header, or noise
        memory = fields[2].removesuffix("MiB").strip()
        if not memory.isdigit():
            continue
        gpus.append(Gpu(int(fields[0]), fields[1], int(memory)))
    return gpus


def visible(gpus: list[Gpu], cuda_visible_devices: str | None) -> list[Gpu]:
    """The GPUs a child process may use under ``CUDA_VISIBLE_DEVICES`` (indices only)."""
    if cuda_visible_devices is None:
        return gpus
    wanted = {int(i) for i in cuda_visible_devices.split(",") if i.strip().isdigit()}
    return [gpu for gpu in gpus if gpu.index in wanted]


def detect_gpus() -> list[Gpu]:
    """The GPUs a child process may use; empty when there is no ``nvidia-smi`` or it fails."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        done = subprocess.run(
            [exe, *QUERY], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0:
        return []
    return visible(parse_nvidia_smi(done.stdout), os.environ.get("CUDA_VISIBLE_DEVICES"))
