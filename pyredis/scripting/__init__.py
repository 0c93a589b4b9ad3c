"""Lua scripting: EVAL's script cache and FUNCTION's libraries, each in its own runtime.

``server.scripting`` (a ``Scripting``) holds both runtimes, the script
client every script's commands run on, the PRNG behind ``math.random`` and
the run context of the script running now (``run``), which SCRIPT KILL,
FUNCTION KILL and FUNCTION STATS read while the server serves other clients
during a busy script.
"""
from .engine import LuaEngine, ScriptClient
from .library import Libraries
from .rand48 import Rand48
from .scripts import ScriptCache


class Scripting:
    def __init__(self, server):
        self.server = server
        self.rand = Rand48()
        self.client = ScriptClient(server)
        self.run = None
        # While FUNCTION LOAD runs a library's code: when it must have ended.
        self.load_deadline = None
        # Clients that asked for SCRIPT DEBUG YES|SYNC: client -> "yes" or "sync".
        self.debug_clients = {}
        # The Lua debugger's session while one runs in this process, and
        # the children running forked sessions.
        self.ldb = None
        self.ldb_children = set()
        self.cache = ScriptCache(LuaEngine(self, True))
        self.functions_engine = LuaEngine(self, False)
        self.libraries = Libraries()

    def set_debug(self, c, mode):
        """SCRIPT DEBUG: ``mode`` "yes" or "sync", None to end it."""
        if mode is None:
            self.debug_clients.pop(c, None)
        else:
            self.debug_clients[c] = mode
        # A debugged script takes its client's connection over: no request
        # runs on dispatch's plain path while one may.
        self.server.debugging = bool(self.debug_clients)

    def flush_scripts(self):
        """SCRIPT FLUSH: a new runtime, as Redis recreates its Lua state.

        A runtime no script has run in is kept: test harnesses flush between
        every two tests.
        """
        if self.cache.scripts:
            self.cache = ScriptCache(LuaEngine(self, True))

    def flush_functions(self):
        if self.libraries.libraries:
            self.functions_engine = LuaEngine(self, False)
            self.libraries = Libraries()

    def new_functions(self):
        """An empty (engine, libraries) pair a replica's swapdb load fills (functionsLibCtxCreate)."""
        return LuaEngine(self, False), Libraries()

    def swap_functions(self, functions):
        """The loaded pair takes the place of the current one (functionsLibCtxSwapWithCurrent)."""
        self.functions_engine, self.libraries = functions

    def memory(self):
        """(Lua memory of EVAL's runtime, of FUNCTION's runtime), in bytes."""
        return _lua_memory(self.cache.engine), _lua_memory(self.functions_engine)


def _lua_memory(engine):
    return int(engine.lua.execute("return collectgarbage('count')") * 1024)


def install(server):
    server.scripting = Scripting(server)


def forget_client(c):
    """A closed client leaves the debugging set."""
    scripting = c.server.scripting
    if scripting.debug_clients:
        scripting.set_debug(c, None)
