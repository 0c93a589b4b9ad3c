"""Every error text pyredis sends, worded exactly as Redis 7.0 words it.

Handlers raise ``CommandError``; dispatch turns it into an error reply.  Texts
that embed client input go through ``fmt`` so CR/LF never break the protocol.
"""


class CommandError(Exception):
    """An error reply.  ``text`` holds the code and message, e.g. ``ERR syntax error``."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    @property
    def reply(self):
        return b"-" + self.text.encode("latin-1") + b"\r\n"

    @property
    def code(self):
        return self.text.split(" ", 1)[0]


def arg(value, limit=None):
    """Client bytes as they appear inside an error text (byte-transparent)."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("latin-1")
    if limit is not None:
        value = value[:limit]
    return value.replace("\r", " ").replace("\n", " ")


def fmt(template, *values):
    return CommandError(template % tuple(arg(v) for v in values))


# Dispatch
UNKNOWN_COMMAND = "ERR unknown command '%s', with args beginning with: %s"
UNKNOWN_SUBCOMMAND = "ERR unknown subcommand '%s'. Try %s HELP."
WRONG_ARITY = "ERR wrong number of arguments for '%s' command"
NOAUTH = "NOAUTH Authentication required."
EXECABORT = "EXECABORT Transaction discarded because of previous errors."
PUBSUB_CONTEXT = ("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                  "PING / QUIT / RESET are allowed in this context")
MAX_CLIENTS = "ERR max number of clients reached"

# Generic argument errors
SYNTAX = "ERR syntax error"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NO_SUCH_KEY = "ERR no such key"
OUT_OF_RANGE = "ERR index out of range"
DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range"
INVALID_DB_INDEX = "ERR invalid DB index"
OVERFLOW = "ERR increment or decrement would overflow"
SAME_OBJECT = "ERR source and destination objects are the same"
INVALID_EXPIRE = "ERR invalid expire time in '%s' command"
TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"
TIMEOUT_OUT_OF_RANGE = "ERR timeout is out of range"
UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

# Shared prebuilt errors for the hot paths
E_WRONGTYPE = CommandError(WRONGTYPE)
E_SYNTAX = CommandError(SYNTAX)
E_NOT_INTEGER = CommandError(NOT_INTEGER)
E_NOT_FLOAT = CommandError(NOT_FLOAT)
E_NO_SUCH_KEY = CommandError(NO_SUCH_KEY)
E_OVERFLOW = CommandError(OVERFLOW)
