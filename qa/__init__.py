"""qa: extractive question answering over a folder of news articles, offline."""

from __future__ import annotations

import os

# Nothing may download weights at run time: every Hugging Face code path reads local files only.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

__version__ = "0.1.0"
