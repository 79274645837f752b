"""Embeds a Wayfinder catalog's courses with onnxruntime (PyPI), the baseline for
`wayfinder build`'s embedding step (scripts/bench-pipeline.sh runs both on the same machine).

It uses the same model file, the same text per course (read from `wayfinder texts`, so the
rule lives in one place: wayfinder::pipeline::course_text), the same
tokenizer settings (truncate at 256, no padding) and the same batching (sorted by length,
batches of 32, padding masked out of the mean), on onnxruntime's default threads (all cores).
Given a bundle, it also checks that its stored vectors agree with onnxruntime's, so the two
timings are of the same work.

    wayfinder texts --catalog catalog.json > texts.jsonl
    python embed_onnxruntime.py --texts texts.jsonl --model model/ [--bundle DIR] [--batch 32]
"""

import argparse
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def bundle_embeddings(bundle):
    """The course embeddings of a bundle's tensors.safetensors, as f32 rows."""
    data = (Path(bundle) / "tensors.safetensors").read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    body = data[8 + header_len :]
    entry = header["embeddings"]
    start, end = entry["data_offsets"]
    dtype = {"F32": np.float32, "F16": np.float16}[entry["dtype"]]
    return np.frombuffer(body[start:end], dtype=dtype).reshape(entry["shape"]).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", required=True, help="one JSON string per line, from `wayfinder texts`")
    parser.add_argument("--model", required=True)
    parser.add_argument("--bundle")
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()

    texts = [json.loads(line) for line in Path(args.texts).read_text().splitlines() if line]

    loaded = time.perf_counter()
    tokenizer = Tokenizer.from_file(str(Path(args.model) / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.no_padding()
    session = ort.InferenceSession(str(Path(args.model) / "model.onnx"), providers=["CPUExecutionProvider"])
    load_seconds = time.perf_counter() - loaded

    started = time.perf_counter()
    ids = [e.ids for e in tokenizer.encode_batch(texts)]
    order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    for b in range(0, len(order), args.batch):
        members = order[b : b + args.batch]
        width = max(len(ids[i]) for i in members)
        input_ids = np.zeros((len(members), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, i in enumerate(members):
            input_ids[row, : len(ids[i])] = ids[i]
            mask[row, : len(ids[i])] = 1
        states = session.run(None, {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)})[0]
        pooled = (states * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        vectors[members] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    seconds = time.perf_counter() - started

    summary = {
        "courses": len(texts),
        "tokens": sum(len(i) for i in ids),
        "load_seconds": round(load_seconds, 3),
        "embed_seconds": round(seconds, 3),
        "courses_per_second": round(len(texts) / seconds, 1),
        "onnxruntime": ort.__version__,
        "threads": "onnxruntime default (all cores)",
    }
    if args.bundle:
        stored = bundle_embeddings(args.bundle)
        if stored.shape != vectors.shape:
            sys.exit(f"the bundle holds {stored.shape} embeddings, the catalog has {vectors.shape}")
        summary["min_cosine_to_bundle"] = round(float(np.min(np.sum(stored * vectors, axis=1))), 6)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
