"""The C libraries Redis 7.0 loads into its Lua 5.1 state: cjson, cmsgpack, struct, bit.

``install_all(lua)`` sets the four globals in a ``lupa.lua51.LuaRuntime``
created with ``encoding=None`` (Lua strings are bytes).  The libraries are Lua
closures over a few Python helpers for the byte-level conversions; no Python
object is reachable from a script.  Call it before the engine removes the
``debug`` library: argument errors name the function as the caller spelled it.

Errors come out as Redis's do inside a script (``user_script:1: ...`` for a
non-tail call, the bare message under ``pcall(f, ...)``).  The library code
runs as Lua functions whose source is ``SOURCE``; an error handler that, like
Redis's, reports the line of the script that called a failing C function must
skip those frames as it skips C frames.
"""
from pyredis.scripting.libs import bitop, cjson, cmsgpack, common, structlib

SOURCE = common.SOURCE
NAMES = ("cjson", "cmsgpack", "struct", "bit")

# In the order luaLoadLibraries() sets them, which fixes their place in pairs(_G).
_LIBRARIES = (
    (b"cjson", cjson),
    (b"struct", structlib),
    (b"cmsgpack", cmsgpack),
    (b"bit", bitop),
)


def install_all(lua):
    """Create the four library tables and set them as globals of ``lua``."""
    shared = lua.execute(common.LUA, name=SOURCE)
    env = lua.globals()
    for name, module in _LIBRARIES:
        env[name] = lua.execute(module.LUA, shared, *module.HELPERS, name=SOURCE)
