"""Differential fuzzing of pyredis against redis-server.

    python -m tests.fuzz --minutes 10              # random seeds until time is up
    python -m tests.fuzz --seed 7 --sequences 500  # a fixed run
    python -m tests.fuzz --save                    # shrink failures into tests/compat/fuzz_cases.json
    python -m tests.fuzz --scripts                 # each command through redis.pcall in a script
    python -m tests.fuzz --pipeline                # each sequence in one write, commands repeated

Each sequence holds ``--length`` commands drawn from every implemented
command's argument spec; the first difference per sequence is printed,
shrunk to a minimal reproduction.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from serverproc import start_pyredis, start_redis  # noqa: E402

from fuzz.generator import Generator  # noqa: E402
from fuzz.runner import Difference, Side, run, save_case, shrink  # noqa: E402


def implemented_commands():
    """Full names (``get``, ``object|encoding``) of every command pyredis implements."""
    from pyredis.commands import TABLE, load_all
    load_all()
    names = set()
    for name, cmd in TABLE.items():
        names.add(name.decode())
        for sub in (cmd.subcommands or {}).values():
            names.add(sub.fullname)
    return names


def commands_with_runs():
    """Names of the commands a pipeline's repeats go to in one loop (commands.run_of)."""
    from pyredis.commands import TABLE, load_all
    load_all()
    return sorted(name.decode() for name, cmd in TABLE.items() if cmd.run is not None)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=0)
    ap.add_argument("--sequences", type=int, default=1000)
    ap.add_argument("--length", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--save", action="store_true", help="write shrunk failures as regression cases")
    ap.add_argument("--scripts", action="store_true",
                    help="run each command through redis.pcall in an EVALSHA (Lua's conversions both ways)")
    ap.add_argument("--pipeline", action="store_true",
                    help="send each sequence in one write, with commands that have a run repeated")
    args = ap.parse_args()
    if args.pipeline and args.scripts:
        ap.error("--pipeline and --scripts do not combine")
    seed = args.seed if args.seed is not None else int(time.time())
    gen = Generator(seed, implemented_commands())
    repeat = [n for n in commands_with_runs() if n in gen.specs] if args.pipeline else ()
    ours_proc, theirs_proc = start_pyredis(), start_redis()
    ours, theirs = Side(ours_proc.port, args.scripts), Side(theirs_proc.port, args.scripts)
    deadline = time.time() + args.minutes * 60 if args.minutes else None
    ran = found = 0
    seen = set()
    started = time.time()
    try:
        while (deadline is not None and time.time() < deadline) or (
                deadline is None and ran < args.sequences):
            seq = gen.sequence(args.length, repeat)
            ran += 1
            if ran % 1000 == 0:
                print("%d sequences, %d distinct differences so far" % (ran, found), flush=True)
            try:
                run(ours, theirs, seq, args.pipeline)
            except Difference:
                small = shrink(ours, theirs, seq, args.pipeline)
                try:
                    run(ours, theirs, small, args.pipeline)
                except Difference as diff:
                    sig = (diff.argv[0], repr(diff.ours)[:60], repr(diff.theirs)[:60])
                    if sig in seen:
                        continue
                    seen.add(sig)
                    found += 1
                    print("difference #%d (sequence %d, %d commands):" % (found, ran, len(small)))
                    for argv in small:
                        print("   ", b" ".join(argv))
                    print("  ", diff, flush=True)
                    if args.save:
                        save_case(small)
    finally:
        ours_proc.stop()
        theirs_proc.stop()
    elapsed = time.time() - started
    print("seed %d: %d sequences of %d commands in %.0f s (%.1f/s), %d distinct differences"
          % (seed, ran, args.length, elapsed, ran / elapsed if elapsed else 0, found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
