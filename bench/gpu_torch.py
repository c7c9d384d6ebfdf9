"""Torch engine on CUDA vs CPU: load time and real-time factor by input length. Prints a table.

    python bench/gpu_torch.py

Uses a randomly initialised Kokoro-82M (exact architecture, realistic phoneme durations; see
tests/support/random_kmodel.py) because real PyTorch weights are not reachable from our machines: the
compute, and so the speed, is the same as with the real weights.
"""

from __future__ import annotations

import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from readaloud.speech.phonemes import token_ids

WORDS = "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ, ænd ðˈɛn ɪt ɹˈʌnz fˈɑɹ əwˈA. "


def _ids(count: int) -> tuple[int, ...]:
    ids = token_ids(WORDS * (count // len(WORDS) + 2))
    return ids[:count]


def main() -> int:
    import torch

    from readaloud.speech.torch_engine import TorchEngine
    from tests.support.random_kmodel import save_random_weights

    weights = save_random_weights(Path(tempfile.mkdtemp()) / "random.pth")
    style = np.random.default_rng(0).standard_normal((1, 256)).astype(np.float32) * 0.15
    devices = ["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"]
    name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor()
    print(f"\ntorch {torch.__version__}, {name}, {torch.get_num_threads()} CPU threads\n")
    print("| device | load | tokens | audio | synthesis (median of 5) | RTF |")
    print("|---|---|---|---|---|---|")
    for device in devices:
        started = time.perf_counter()
        engine = TorchEngine(weights, device=device)
        load = time.perf_counter() - started
        engine.synthesize(_ids(50), style, 1.0)
        for count in (20, 100, 300, 510):
            ids = _ids(count)
            timings, seconds = [], 0.0
            for _ in range(5):
                begin = time.perf_counter()
                audio = engine.synthesize(ids, style, 1.0)
                if device == "cuda":
                    torch.cuda.synchronize()
                timings.append(time.perf_counter() - begin)
                seconds = len(audio) / engine.sample_rate
            median = statistics.median(timings)
            print(
                f"| {device} | {load:.2f} s | {count} | {seconds:.1f} s | {median * 1000:.0f} ms "
                f"| {median / seconds:.3f} |"
            )
    if "cuda" in devices:
        print(f"\npeak CUDA memory: {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
