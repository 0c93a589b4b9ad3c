"""EVAL's script cache: SHA1 -> compiled script, and the ``#!lua`` shebang flags."""

from .. import errors, sha
from ..errors import CommandError

# Redis's scripts_flags_def.
SCRIPT_FLAGS = ("no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys")


class Script:
    __slots__ = ("body", "func", "flags", "shebang", "name")

    def __init__(self, body, func, flags, shebang, name):
        self.body = body
        # Its SHA1 as a str: what error texts and the slow-script log call it.
        self.name = name
        self.func = func
        self.flags = flags
        # False for a script without shebang (EVAL's compatibility mode).
        self.shebang = shebang


def sha1hex(body):
    return sha.sha1(body).hexdigest().encode()


def shebang_flags(body):
    """evalExtractShebangFlags: (flags, shebang length, has shebang); raises CommandError."""
    if not body.startswith(b"#!"):
        return frozenset(), 0, False
    end = body.find(b"\n")
    if end < 0:
        raise CommandError(errors.SHEBANG_INVALID)
    parts = body[:end].split()
    if parts[0] != b"#!lua":
        raise errors.fmt(errors.SHEBANG_UNKNOWN_ENGINE, parts[0])
    flags = set()
    for part in parts[1:]:
        if not part.startswith(b"flags="):
            raise errors.fmt(errors.SHEBANG_UNKNOWN_OPTION, part)
        value = part[6:]
        for flag in (value.split(b",") if value else ()):
            name = flag.decode("latin-1")
            if name not in SCRIPT_FLAGS:
                raise errors.fmt(errors.SHEBANG_UNKNOWN_FLAG, flag)
            flags.add(name)
    return frozenset(flags), end, True


class ScriptCache:
    """The scripts EVAL and SCRIPT LOAD compiled, by lowercase SHA1 hex."""

    def __init__(self, engine):
        self.engine = engine
        self.scripts = {}
        # EVALSHA's common run looks scripts up here itself.
        engine.script_call.scripts = self.scripts
        self.body_bytes = 0

    def get(self, sha):
        script = self.scripts.get(sha)
        if script is None:
            script = self.scripts.get(sha.lower())
        return script

    def add(self, body, sha=None):
        """luaCreateFunction: the cached script for ``body``, compiling it on a miss."""
        if sha is None:
            sha = sha1hex(body)
        script = self.scripts.get(sha)
        if script is not None:
            return sha, script
        flags, shebang_len, shebang = shebang_flags(body)
        try:
            # The shebang line is left out but its newline kept, so line numbers hold.
            func = self.engine.compile(body[shebang_len:], b"@user_script")
        except ValueError as exc:
            raise CommandError(errors.SCRIPT_COMPILE % errors.arg(exc.args[0]))
        script = self.scripts[sha] = Script(body, func, flags, shebang, sha.decode())
        self.body_bytes += len(body)
        return sha, script
