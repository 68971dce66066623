#!/bin/bash
# The demo: converts stories260K (llama2.c checkpoint, from ../shared/models) into a .graph, shows
# what anvil sees in it, and generates a story.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${ANVIL_SHARED_DIR:-../shared}
anvil=build/anvil
$anvil convert llama2c "$shared/models/stories260K.bin" --tokenizer "$shared/models/tok512.bin" -o build/stories260K.graph
$anvil inspect build/stories260K.graph
echo
$anvil run -m build/stories260K.graph -p "Once upon a time" -n 200 --seed 42
