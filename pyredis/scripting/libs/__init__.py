"""The C libraries Redis 7.0 loads into its Lua 5.1 state: cjson, cmsgpack, struct, bit.

``install_all(lua)`` sets the four globals in a ``lupa.lua51.LuaRuntime``
created with ``encoding=None`` (Lua strings are bytes).  The libraries are Lua
closures over a few Python helpers for the byte-level conversions; no Python
object is reachable from a script.
"""
from pyredis.scripting.libs import bitop, cjson, cmsgpack, common, structlib

SOURCE = common.SOURCE

_LIBRARIES = (
    (b"bit", bitop),
    (b"struct", structlib),
    (b"cjson", cjson),
    (b"cmsgpack", cmsgpack),
)


def install_all(lua):
    """Create the four library tables and set them as globals of ``lua``."""
    shared = lua.execute(common.LUA, name=SOURCE)
    env = lua.globals()
    for name, module in _LIBRARIES:
        env[name] = lua.execute(module.LUA, shared, *module.HELPERS, name=SOURCE)
