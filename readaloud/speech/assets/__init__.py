"""Kokoro-82M model and voice files: resolve, fetch, verify, import (``readaloud setup``).

Heavy or networked modules (huggingface_hub, subprocesses) load only when a fetch happens.
"""

from readaloud.speech.assets.catalog import DEFAULT_CATALOG, Catalog, Expected
from readaloud.speech.assets.local import ACCEPTED as FROM_ACCEPTS
from readaloud.speech.assets.store import AssetStatus, AssetStore

__all__ = ["DEFAULT_CATALOG", "FROM_ACCEPTS", "AssetStatus", "AssetStore", "Catalog", "Expected"]
