#!/usr/bin/env bash
# Placeholder until the embedder lands (issue 3).
echo "model: not fetched yet (issue 3)"
