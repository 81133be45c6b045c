#!/usr/bin/env python3
"""Self time by crate from folded stacks (inferno-collapse-perf output).

  crates.py FOLDED [NAME=PATTERN ...]

Each folded line is `frame;frame;...;leaf COUNT`; the leaf frame is where
the sample was taken. Leaves are put in buckets by the crate or library
their symbol names (the first path segment of a Rust symbol, else a few
known C libraries), and the table lists each bucket's share of all
samples, largest first. A flame graph shows where inclusive time goes; this
says which code spends it. Each NAME=PATTERN adds a row for the share of
samples whose stack has a frame matching the regular expression PATTERN
(inclusive time: the frame and everything it calls).
"""

import re
import sys
from collections import Counter

# A leaf's bucket, by the first rule whose pattern it matches.
RULES = [
    # inferno-collapse-perf --all marks kernel frames with _[k].
    ("kernel", re.compile(r"_\[k\]$|^\[kernel")),
    ("allocator", re.compile(r"malloc|free|realloc|calloc|^mi_|^_mi_|_int_|arena|tcache|memalign|unlink_chunk")),
    ("libc (memcpy, memcmp, ...)", re.compile(r"^__mem|^mem[a-z]+|^__strlen|^str[a-z]+$|libc")),
]
RUST_PATH = re.compile(r"^([a-z_][a-z0-9_]*)::")
# `<T as Trait>::f`: the crate of T, or of the trait when T is a generic
# parameter (`<F as axum::handler::Handler<..>>::call`).
TRAIT_IMPL = re.compile(r"^<(?:&(?:mut )?)*(?:([A-Z]\w*) as )?")


def bucket(leaf: str) -> str:
    for name, pattern in RULES:
        if pattern.search(leaf):
            return name
    m = TRAIT_IMPL.match(leaf)
    path = leaf[m.end():] if m and leaf.startswith("<") else leaf
    m = RUST_PATH.match(path)
    if m:
        return m.group(1)
    return "other (C, unresolved)"


def main() -> None:
    counts: Counter = Counter()
    inclusive: Counter = Counter()
    wanted = [(name, re.compile(pattern)) for name, _, pattern in (a.partition("=") for a in sys.argv[2:])]
    total = 0
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            if not n.isdigit():
                continue
            frames = stack.split(";")
            counts[bucket(frames[-1])] += int(n)
            for name, pattern in wanted:
                if any(pattern.search(frame) for frame in frames):
                    inclusive[name] += int(n)
            total += int(n)
    print(f"{'self time by bucket':<40} {'%':>6}")
    for name, n in counts.most_common(15):
        print(f"{name:<40} {100 * n / max(total, 1):>5.1f}%")
    if wanted:
        print(f"\n{'inclusive time':<40} {'%':>6}")
        for name, _ in wanted:
            print(f"{name:<40} {100 * inclusive[name] / max(total, 1):>5.1f}%")


if __name__ == "__main__":
    main()
