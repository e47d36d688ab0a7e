"""qa: extractive question answering over a folder of news articles, offline."""

from __future__ import annotations

import os

# Nothing may download weights at run time: every Hugging Face code path reads local files only.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
# onnxruntime 1.32 resolves and posts to a telemetry host a few seconds after a session is created, from native
# code (ort.disable_telemetry_events() does not stop it); the library reads this variable when it loads. Forced,
# not defaulted: articles put in qa may be confidential, and nothing leaves the machine. Checked with strace in
# tests/test_network.py.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
