"""Soak of the RESP request parser twins: random and mutated requests, both twins in step.

    python -m tests.fuzz.parser --inputs 10000000    # the soak (prints throughput)
    python -m tests.fuzz.parser --seconds 60

Each input is fed to a fresh parser of each twin in random splits; the
requests, the error text, the bytes left pending and the state after the
error must be identical, and nothing but a protocol error may happen.
Buffered bytes stay within the limits the parsers are built with.
"""
import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from pyredis._speedups import resp as compiled  # noqa: E402
from pyredis._speedups import resp_py as pure  # noqa: E402

MAX_BULK = 1024
MAX_INLINE = 4096

_PIECES = [b"*", b"$", b"\r\n", b"\r", b"\n", b"0", b"1", b"2", b"3", b"-1", b"10", b"99999",
           b"9223372036854775808", b"PING", b"SET", b"k", b"v", b" ", b'"', b"'", b"\\x41",
           b"\x00", b"\xff", b"+", b"-", b"a b c", b"\t"]


def well_formed(rng):
    argc = rng.randrange(0, 5)
    out = [b"*%d\r\n" % argc]
    for _ in range(argc):
        arg = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12)))
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


def inline(rng):
    return b" ".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 6))) + b"\r\n"


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(4)
        if op == 0 and data:
            del data[rng.randrange(len(data))]
        elif op == 1:
            data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
        elif op == 2 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            piece = rng.choice(_PIECES)
            at = rng.randrange(len(data) + 1)
            data[at:at] = piece
    return bytes(data)


def an_input(rng):
    parts = []
    for _ in range(rng.randrange(1, 4)):
        roll = rng.random()
        if roll < 0.45:
            parts.append(well_formed(rng))
        elif roll < 0.6:
            parts.append(inline(rng))
        elif roll < 0.9:
            parts.append(mutate(rng, well_formed(rng)))
        else:
            parts.append(b"".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 10))))
    return b"".join(parts)


def run_one(module, data, cuts, auth):
    parser = module.RequestParser(MAX_BULK, max_inline=MAX_INLINE, auth_required=auth)
    out = []
    start = 0
    for cut in cuts + [len(data)]:
        out.extend(parser.feed(data[start:cut]))
        start = cut
        if parser.error is not None:
            break
        assert parser.pending_bytes() <= MAX_INLINE + MAX_BULK + 64, parser.pending_bytes()
    return out, parser.error, parser.pending_bytes() if parser.error is None else None


def soak(inputs, seconds, seed, progress=0):
    rng = random.Random(seed)
    started = time.time()
    done = 0
    while (inputs and done < inputs) or (seconds and time.time() - started < seconds):
        data = an_input(rng)
        cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(0, 4)))
        auth = rng.random() < 0.1
        a = run_one(compiled, data, cuts, auth)
        b = run_one(pure, data, cuts, auth)
        if a != b:
            raise AssertionError("twins differ on %r cut at %r (auth=%s):\n  cython: %r\n  python: %r"
                                 % (data, cuts, auth, a, b))
        done += 1
        if progress and done % progress == 0:
            print("%d inputs, both twins identical, %.0f inputs/s"
                  % (done, done / (time.time() - started)), flush=True)
    return done, time.time() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    inputs = args.inputs or (0 if args.seconds else 100000)
    done, elapsed = soak(inputs, args.seconds, seed, progress=1000000)
    print("seed %d: %d inputs, both twins identical, %.0f inputs/s" % (seed, done, done / elapsed))


if __name__ == "__main__":
    main()
