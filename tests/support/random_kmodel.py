"""A randomly initialised Kokoro-82M (exact architecture) saved as a ``kokoro-v1_0.pth``-style file.

No real PyTorch weights are reachable from CI. Random weights give noise, and random duration
predictions of about 25 frames per phoneme, which makes every utterance ten times too long; the
duration head is set so each phoneme lasts a few frames, as in real speech, keeping tests fast.
"""

from __future__ import annotations

from pathlib import Path

FRAMES_PER_TOKEN_LOGIT = -2.6  # sigmoid(-2.6) * max_dur(50) ~= 3.4 frames per phoneme


def save_random_weights(path: Path, seed: int = 0) -> Path:
    import torch
    from kokoro import KModel

    from readaloud.speech.torch_engine import kokoro_config

    torch.manual_seed(seed)
    empty = path.with_suffix(".empty.pth")
    torch.save({}, empty)
    model = KModel(repo_id="hexgrad/Kokoro-82M", config=kokoro_config(), model=str(empty))
    with torch.no_grad():
        head = model.predictor.duration_proj.linear_layer
        head.weight.mul_(0.01)
        head.bias.fill_(FRAMES_PER_TOKEN_LOGIT)
    parts = ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")
    torch.save({name: getattr(model, name).state_dict() for name in parts}, path)
    empty.unlink()
    return path
