#!/bin/bash
# The demo: builds a .graph from a hand-written text-form model and shows what anvil sees in it.
set -euo pipefail
cd "$(dirname "$0")/.."
anvil=build/anvil
$anvil convert pbtxt tests/data/toy_llama.pbtxt -o build/toy_llama.graph
$anvil inspect --verify build/toy_llama.graph
$anvil dump build/toy_llama.graph --layer 0
