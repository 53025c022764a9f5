#!/usr/bin/env bash
# Trunk post_build hook (Trunk.toml). Trunk runs a stage's hooks concurrently, so the
# steps that depend on each other are one hook: the review bundle first, then the service
# worker's precache list (which leaves the bundle out: officers never download it).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$DIR/build-review.sh"
bash "$DIR/sw-precache.sh"
