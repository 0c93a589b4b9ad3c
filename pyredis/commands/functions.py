"""Functions: FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS/KILL, FCALL, FCALL_RO."""
from .. import errors, reply
from ..db import now_ms
from ..errors import CommandError
from ..glob import compile_pattern
from ..numbers import parse_int
from ..scripting import library
from . import command, container
from .persistence import payload_is_valid
from .scripting import SMALL_NUMKEYS, flush_mode, kill, script_keys, untracked_reads

_FCALL_FLAGS = "noscript stale skip_monitor no_mandatory_keys"


def _fcall(c, argv, ro):
    """fcallCommandGeneric: the function, then numkeys, then its flags against the command."""
    scripting = c.server.scripting
    fn = scripting.libraries.function(argv[1])
    if fn is None:
        raise CommandError(errors.FUNCTION_NOT_FOUND)
    numkeys = SMALL_NUMKEYS.get(argv[2])
    if numkeys is None:
        numkeys = parse_int(argv[2])
        if numkeys is None:
            raise CommandError(errors.FCALL_BAD_NUMKEYS)
    if numkeys > len(argv) - 3:
        raise CommandError(errors.NUMKEYS_GT_ARGS)
    if numkeys < 0:
        raise CommandError(errors.NUMKEYS_NEGATIVE)
    no_writes = "no-writes" in fn.flags
    if "no-cluster" in fn.flags and c.server.cluster is not None:
        raise CommandError(errors.SCRIPT_NO_CLUSTER)
    if ro and not no_writes:
        raise CommandError(errors.SCRIPT_WRITE_FLAG_RO)
    engine = scripting.functions_engine
    return engine.run(c, engine.run_function, fn.callback, fn.name.decode("latin-1"), False,
                      ro or no_writes, numkeys, argv[3:], fn.flags)


# FCALL function numkeys [key ...] [arg ...]
@command("fcall", -3, _FCALL_FLAGS, group="scripting", getkeys=script_keys)
def fcall(c, argv):
    return _fcall(c, argv, False)


# FCALL_RO function numkeys [key ...] [arg ...]
@command("fcall_ro", -3, "readonly " + _FCALL_FLAGS, group="scripting", getkeys=script_keys)
def fcall_ro(c, argv):
    return _fcall(c, argv, True)


untracked_reads(b"fcall_ro")


container("function", group="scripting")

_FUNCTION_HELP = reply.array([reply.simple(line) for line in (
    b"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"LOAD [REPLACE] <FUNCTION CODE>",
    b"    Create a new library with the given library name and code.",
    b"DELETE <LIBRARY NAME>",
    b"    Delete the given library.",
    b"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    b"    Return general information on all the libraries:",
    b"    * Library name",
    b"    * The engine used to run the Library",
    b"    * Library description",
    b"    * Functions list",
    b"    * Library code (if WITHCODE is given)",
    b"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    b"STATS",
    b"    Return information about the current function running:",
    b"    * Function name",
    b"    * Command used to run the function",
    b"    * Duration in MS that the function is running",
    b"    If no function is running, return nil",
    b"    In addition, returns a list of available engines.",
    b"KILL",
    b"    Kill the current running function.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Delete all the libraries.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the libraries.",
    b"    * SYNC: Synchronously flush the libraries.",
    b"DUMP",
    b"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    b"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    b"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    b"    control how to handle existing libraries (default APPEND):",
    b"    * FLUSH: delete all existing libraries.",
    b"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    b"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    b"      libraries with the new libraries (notice that even on this option there is a chance of failure",
    b"      in case of functions name collision with another library).",
    b"HELP",
    b"    Prints this help.",
)])


# FUNCTION HELP
@command("function|help", 2, "loading stale", group="scripting")
def function_help(c, argv):
    return _FUNCTION_HELP


# FUNCTION LOAD [REPLACE] function-code
@command("function|load", -3, "write denyoom noscript", group="scripting")
def function_load(c, argv):
    replace = False
    i = 2
    while i < len(argv) - 1:
        if argv[i].lower() == b"replace":
            replace = True
            i += 1
            continue
        raise errors.fmt(errors.FUNCTION_LOAD_ARG, argv[i])
    if i != len(argv) - 1:
        raise CommandError(errors.FUNCTION_LOAD_NO_CODE)
    scripting = c.server.scripting
    lib = scripting.libraries.create(scripting.functions_engine, argv[i], replace)
    c.server.dirty += 1
    return reply.bulk(lib.name)


# FUNCTION DELETE library-name
@command("function|delete", 3, "write noscript", group="scripting")
def function_delete(c, argv):
    libraries = c.server.scripting.libraries
    lib = libraries.libraries.get(argv[2])
    if lib is None:
        raise CommandError(errors.LIBRARY_NOT_FOUND)
    libraries.unlink(lib)
    c.server.dirty += 1
    return reply.OK


# FUNCTION FLUSH [ASYNC|SYNC]
@command("function|flush", -2, "write noscript", group="scripting")
def function_flush(c, argv):
    flush_mode(argv, errors.FUNCTION_FLUSH_OPTION)
    c.server.scripting.flush_functions()
    c.server.dirty += 1
    return reply.OK


# FUNCTION KILL
@command("function|kill", 2, "noscript allow_busy", group="scripting")
def function_kill(c, argv):
    return kill(c, False)


def _library_entry(lib, with_code):
    functions = []
    for fn in lib.functions.values():
        functions.append(reply.Map([
            reply.bulk(b"name"), reply.bulk(fn.name),
            reply.bulk(b"description"),
            reply.NULL if fn.description is None else reply.bulk(fn.description),
            reply.bulk(b"flags"), reply.Set([reply.simple(f.encode()) for f in fn.flags]),
        ]))
    items = [reply.bulk(b"library_name"), reply.bulk(lib.name),
             reply.bulk(b"engine"), reply.bulk(library.ENGINE),
             reply.bulk(b"functions"), reply.Array(functions)]
    if with_code:
        items += [reply.bulk(b"library_code"), reply.bulk(lib.code)]
    return reply.Map(items)


# FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
@command("function|list", -2, "noscript", group="scripting")
def function_list(c, argv):
    with_code = False
    pattern = None
    i = 2
    while i < len(argv):
        arg = argv[i]
        word = arg.lower()
        if not with_code and word == b"withcode":
            with_code = True
        elif pattern is None and word == b"libraryname":
            if i >= len(argv) - 1:
                raise CommandError(errors.FUNCTION_LIST_NO_PATTERN)
            i += 1
            pattern = argv[i]
        else:
            raise errors.fmt(errors.FUNCTION_LIST_SYNTAX, arg)
        i += 1
    match = compile_pattern(pattern, nocase=True) if pattern is not None else None
    return reply.Array([_library_entry(lib, with_code)
                        for lib in c.server.scripting.libraries.libraries.values()
                        if match is None or match(lib.name)])


# FUNCTION DUMP
@command("function|dump", 2, "noscript", group="scripting")
def function_dump(c, argv):
    return reply.bulk(library.dump(c.server.scripting.libraries, c.server.config["rdbcompression"]))


# FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
@command("function|restore", -3, "write denyoom noscript", group="scripting")
def function_restore(c, argv):
    policy = b"append"
    if len(argv) == 4:
        policy = argv[3].lower()
        if policy not in (b"flush", b"append", b"replace"):
            raise CommandError(errors.FUNCTION_RESTORE_POLICY)
    elif len(argv) > 4:
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], argv[0].upper())
    payload = argv[2]
    if not payload_is_valid(payload):
        raise CommandError(errors.FUNCTION_RESTORE_PAYLOAD)
    scripting = c.server.scripting
    codes = library.read_codes(c.server.config, payload)
    if policy == b"flush":
        # Loaded into a fresh runtime first, so a bad payload leaves everything as it was.
        engine = type(scripting.functions_engine)(scripting, False)
    else:
        engine = scripting.functions_engine
    restored = library.Libraries()
    for code in codes:
        restored.create(engine, code, False)
    if policy == b"flush":
        scripting.functions_engine = engine
        scripting.libraries = restored
    else:
        scripting.libraries.join(restored, policy == b"replace")
    c.server.dirty += 1
    return reply.OK


# FUNCTION STATS
@command("function|stats", 2, "noscript allow_busy", group="scripting")
def function_stats(c, argv):
    scripting = c.server.scripting
    run = scripting.run
    if run is not None and run.eval_mode:
        raise CommandError(errors.BUSY_EVAL)
    if run is None:
        running = reply.NULL
    else:
        running = reply.Map([
            reply.bulk(b"name"), reply.bulk(run.name.encode("latin-1")),
            reply.bulk(b"command"), reply.bulks(run.caller.argv),
            reply.bulk(b"duration_ms"), reply.integer(now_ms() - run.start),
        ])
    libraries = scripting.libraries
    engines = reply.Map([reply.bulk(library.ENGINE), reply.Map([
        reply.bulk(b"libraries_count"), reply.integer(len(libraries.libraries)),
        reply.bulk(b"functions_count"), reply.integer(libraries.function_count()),
    ])])
    return reply.Map([reply.bulk(b"running_script"), running, reply.bulk(b"engines"), engines])
