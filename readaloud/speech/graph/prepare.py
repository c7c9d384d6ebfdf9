"""Write, find and check the prepared copy of a Kokoro ONNX model.

The copy sits beside the source as ``NAME.prepared.onnx`` (or in the cache when that folder is
read-only), with ``NAME.prepared.onnx.json`` recording the source's SHA-256, the recipe version and
the copy's own size, mtime and hash. A copy is used only when all of those still match, so a new
source model or a new recipe prepares again, and a truncated or replaced copy is never loaded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from readaloud import paths
from readaloud.errors import GraphPreparationError
from readaloud.speech.assets.integrity import Manifest, commit, sha256_file, temp_beside
from readaloud.speech.engine import FRAME_SAMPLES

log = logging.getLogger(__name__)

# Bump when the rewrites change, so every prepared copy is made again.
RECIPE = "1"
PREPARED_SUFFIX = ".prepared.onnx"
MANIFEST_SUFFIX = ".json"
# The rewrites move int8 rounding decisions, which changes the waveform about as much as a
# 1e-6 change of the style vector does (15-25 dB spectral SNR on the probe); a broken rewrite
# gives noise or silence (below 5 dB). The tests hold the real bar: Whisper and durations.
MIN_PROBE_SPECTRAL_SNR_DB = 12.0

Report = Callable[[str], None]


@dataclass(frozen=True)
class PreparedManifest:
    """What a prepared copy was made from and what it hashed to when written."""

    recipe: str
    source_sha256: str
    sha256: str
    size: int
    mtime_ns: int
    changes: dict[str, int] = field(default_factory=dict)
    probe_spectral_snr_db: float = 0.0

    @staticmethod
    def path_for(prepared: Path) -> Path:
        return prepared.with_name(prepared.name + MANIFEST_SUFFIX)

    def save(self, prepared: Path) -> None:
        target = self.path_for(prepared)
        with temp_beside(target) as temp:
            temp.write_text(json.dumps(asdict(self), indent=1) + "\n")
            commit(temp, target)

    @classmethod
    def load(cls, prepared: Path) -> PreparedManifest | None:
        try:
            data = json.loads(cls.path_for(prepared).read_text())
            return cls(
                recipe=str(data["recipe"]),
                source_sha256=str(data["source_sha256"]),
                sha256=str(data["sha256"]),
                size=int(data["size"]),
                mtime_ns=int(data["mtime_ns"]),
                changes={str(k): int(v) for k, v in dict(data.get("changes", {})).items()},
                probe_spectral_snr_db=float(data.get("probe_spectral_snr_db", 0.0)),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def matches_file(self, prepared: Path) -> bool:
        try:
            stat = prepared.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


def prepared_path(source: Path, *, cache_dir: Path | None = None) -> Path:
    """Where the prepared copy of ``source`` lives: beside it, or in the cache if that is read-only."""
    beside = source.with_name(source.stem + PREPARED_SUFFIX)
    if os.access(source.parent, os.W_OK):
        return beside
    return (cache_dir or paths.cache_dir()) / "prepared" / beside.name


def source_sha256(source: Path) -> str:
    """The source's SHA-256, from the asset manifest when the file is unchanged since it was recorded."""
    manifest = Manifest.load(source)
    if manifest is not None and manifest.matches_stat(source):
        return manifest.sha256
    return sha256_file(source)


def find_prepared(
    source: Path, *, source_digest: str | None = None, cache_dir: Path | None = None
) -> Path | None:
    """The prepared copy of ``source`` if one exists for this source and recipe and is intact."""
    prepared = prepared_path(source, cache_dir=cache_dir)
    manifest = PreparedManifest.load(prepared)
    if manifest is None or not prepared.exists():
        return None
    if manifest.recipe != RECIPE:
        log.info("the prepared model was made by an older recipe (%s); preparing again", manifest.recipe)
        return None
    digest = source_digest or source_sha256(source)
    if manifest.source_sha256 != digest:
        log.info("the model changed since it was prepared; preparing again")
        return None
    # Touched since written (copied, restored from a backup): trust only a matching hash.
    if not manifest.matches_file(prepared) and sha256_file(prepared) != manifest.sha256:
        log.warning("the prepared model %s is damaged; preparing again", prepared)
        return None
    return prepared


def remove_prepared(prepared: Path) -> None:
    for victim in (prepared, PreparedManifest.path_for(prepared)):
        with contextlib.suppress(FileNotFoundError):
            victim.unlink()


@dataclass(frozen=True)
class Pass:
    """One rewrite of the recipe: a name for logs and the manifest, and the function."""

    name: str
    apply: Callable[[Any], object]


def default_recipe() -> list[Pass]:
    from readaloud.speech.graph import rewrites

    return [
        Pass("squares", rewrites.square_pows),
        Pass("instance_norms", rewrites.fold_instance_norms),
        Pass("int8_conv_outputs", rewrites.int8_conv_outputs),
        Pass("durations", rewrites.expose_durations),
    ]


def _count(result: object) -> int:
    if isinstance(result, bool):
        return int(result)
    if isinstance(result, int):
        return result
    if isinstance(result, tuple) and result and isinstance(result[0], int):
        return int(result[0])
    return 0


def rewrite(
    source: Path, recipe: Sequence[Pass] | None = None, report: Report | None = None
) -> tuple[Any, dict[str, int]]:
    """Load ``source`` and apply ``recipe``; returns the model and what each pass changed."""
    try:
        import onnx

        from readaloud.speech.graph.editor import GraphEditor
    except ImportError as error:
        raise GraphPreparationError(
            f"cannot prepare the model without the onnx package ({error}); pip install onnx"
        ) from error

    try:
        model = onnx.load(str(source))
    except Exception as error:  # protobuf's DecodeError and onnx's own errors
        raise GraphPreparationError(f"{source.name} is not a readable ONNX model ({error})") from error
    editor = GraphEditor(model)
    changes: dict[str, int] = {}
    for step in recipe if recipe is not None else default_recipe():
        changes[step.name] = _count(step.apply(editor))
        if report is not None:
            report(f"{step.name}: {changes[step.name]}")
    if not changes.get("durations", 1):
        raise GraphPreparationError(f"{source.name} has no duration predictor that readaloud recognizes")
    return model, changes


def prepare(
    source: Path,
    *,
    recipe: Sequence[Pass] | None = None,
    report: Report | None = None,
    cache_dir: Path | None = None,
    threads: int = 0,
) -> Path:
    """Write the prepared copy of ``source`` atomically, after checking it against the source.

    Returns its path; another process preparing the same copy at the same time is waited for.
    """
    say = report or (lambda text: log.info("%s", text))
    target = prepared_path(source, cache_dir=cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.with_name(target.name + ".lock")):
        digest = source_sha256(source)
        if recipe is None and find_prepared(source, source_digest=digest, cache_dir=cache_dir) is not None:
            say(f"{target.name} is already prepared")
            return target
        started = time.monotonic()
        say(f"preparing a faster copy of {source.name}")
        model, changes = rewrite(source, recipe, say)
        with temp_beside(target) as temp:
            _save(model, temp)
            del model
            say("checking the copy against the original")
            snr = check_against_source(temp, source, threads=threads)
            say(f"probe: same length, spectral SNR {snr:.1f} dB against the original")
            sha = sha256_file(temp)
            commit(temp, target)
        stat = target.stat()
        manifest = PreparedManifest(
            RECIPE, digest, sha, stat.st_size, stat.st_mtime_ns, changes, round(snr, 2)
        )
        manifest.save(target)
        say(f"prepared {target} ({stat.st_size / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s")
    return target


def _save(model: Any, path: Path) -> None:
    import onnx

    onnx.save(model, str(path))


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    import fcntl

    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---- the check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    tokens: list[int]
    style: np.ndarray


def load_probe() -> Probe:
    data = json.loads(resources.files("readaloud.speech").joinpath("data/graph_probe.json").read_text())
    return Probe([int(t) for t in data["tokens"]], np.asarray(data["style"], dtype=np.float32).reshape(1, -1))


def spectral_snr_db(reference: np.ndarray, other: np.ndarray, frame: int = 1024, hop: int = 256) -> float:
    """SNR of STFT magnitudes: blind to the phase drift that int8 rounding causes, not to
    wrong words, noise or silence."""
    if len(reference) != len(other) or len(reference) < frame:
        return float("-inf")
    window = np.hanning(frame).astype(np.float32)
    view = np.lib.stride_tricks.sliding_window_view
    a = np.abs(np.fft.rfft(view(reference, frame)[::hop] * window, axis=1))
    b = np.abs(np.fft.rfft(view(other, frame)[::hop] * window, axis=1))
    noise = float(np.sum((a - b) ** 2))
    return float("inf") if noise == 0 else 10 * float(np.log10(float(np.sum(a**2)) / noise))


def check_against_source(prepared: Path, source: Path, *, threads: int = 0) -> float:
    """Run the probe through both models; raise unless the copy says the same thing.

    Returns the spectral SNR in dB.
    """
    import onnxruntime as ort

    from readaloud.speech.graph.runtime import DURATIONS_OUTPUT, KokoroIO, session_options

    probe = load_probe()
    options = session_options(threads)
    try:
        ours = ort.InferenceSession(str(prepared), options, providers=["CPUExecutionProvider"])
        io = KokoroIO.of(ours, prepared)
        audio, durations = ours.run([io.audio, DURATIONS_OUTPUT], io.feed(probe.tokens, probe.style, 1.0))
        del ours
        theirs = ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        io = KokoroIO.of(theirs, source)
        (expected,) = theirs.run([io.audio], io.feed(probe.tokens, probe.style, 1.0))
        del theirs
    except Exception as error:  # onnxruntime raises its own untyped errors
        raise GraphPreparationError(f"the prepared model does not run: {error}") from error
    audio, expected = np.asarray(audio).reshape(-1), np.asarray(expected).reshape(-1)
    if int(np.sum(durations)) * FRAME_SAMPLES != len(audio) or len(audio) != len(expected):
        raise GraphPreparationError(
            f"the prepared model speaks for {len(audio)} samples, the original for {len(expected)}"
        )
    if not np.all(np.isfinite(audio)):
        raise GraphPreparationError("the prepared model produced non-finite samples")
    snr = spectral_snr_db(expected, audio)
    if snr < MIN_PROBE_SPECTRAL_SNR_DB:
        raise GraphPreparationError(
            f"the prepared model sounds different from the original (spectral SNR {snr:.1f} dB)"
        )
    return snr
