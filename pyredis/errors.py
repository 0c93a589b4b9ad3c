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
    """Client bytes as they appear inside an error text.

    Redis formats them as C strings, so a NUL byte ends them.
    """
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("latin-1")
    nul = value.find("\x00")
    if nul >= 0:
        value = value[:nul]
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
NOT_ALLOWED_IN_MULTI = "ERR Command not allowed inside a transaction"
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
UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

# Transactions
MULTI_NESTED = "ERR MULTI calls can not be nested"
EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI"
DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI"
WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed"

# Pub/Sub
SUBSCRIBE_DENY_BLOCKING = "ERR %s isn't allowed for a DENY BLOCKING client"
SUBCOMMAND_SYNTAX = "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."

# Sorted sets and SORT
ZADD_XX_NX = "ERR XX and NX options at the same time are not compatible"
ZADD_GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible"
ZADD_INCR_PAIR = "ERR INCR option supports a single increment-element pair"
ZSET_NAN = "ERR resulting score is not a number (NaN)"
ZSET_MINMAX_NOT_FLOAT = "ERR min or max is not a float"
ZSET_MINMAX_NOT_LEX = "ERR min or max not valid string range item"
ZRANGE_LIMIT_NEEDS_BY = ("ERR syntax error, LIMIT is only supported in combination with either "
                         "BYSCORE or BYLEX")
ZRANGE_WITHSCORES_BYLEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
ZSET_AT_LEAST_ONE_KEY = "ERR at least 1 input key is needed for '%s' command"
ZSET_WEIGHT_NOT_FLOAT = "ERR weight value is not a float"
ZSET_LIMIT_NEGATIVE = "ERR LIMIT can't be negative"
ZSET_NUMKEYS_POSITIVE = "ERR numkeys should be greater than 0"
ZSET_COUNT_POSITIVE = "ERR count should be greater than 0"
ZSET_MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
ZSET_VALUE_OUT_OF_RANGE = "ERR value is out of range"
ZSET_VALUE_BETWEEN = "ERR value is out of range, value must between %d and %d"
INVALID_CURSOR = "ERR invalid cursor"
SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double"

# Hashes and sets (the range, cursor, numkeys and LIMIT texts are shared with the ZSET_ ones above)
HASH_VALUE_NOT_INTEGER = "ERR hash value is not an integer"
HASH_VALUE_NOT_FLOAT = "ERR hash value is not a float"
INCREMENT_NAN_OR_INF = "ERR value is NaN or Infinity"
RESULT_NAN_OR_INF = "ERR increment would produce NaN or Infinity"
NUMKEYS_GT_ARGS = "ERR Number of keys can't be greater than number of args"

# Server and introspection (COMMAND, CONFIG, INFO, SHUTDOWN, DEBUG)
GETKEYS_INVALID_COMMAND = "ERR Invalid command specified"
GETKEYS_NO_KEYS = "ERR The command has no key arguments"
GETKEYS_INVALID_ARGC = "ERR Invalid number of arguments specified for command"
GETKEYS_INVALID_ARGS = "ERR Invalid arguments specified for command"
CONFIG_SET_UNKNOWN = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
CONFIG_SET_FAILED = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
CONFIG_IMMUTABLE = "can't set immutable config"
CONFIG_PROTECTED = "can't set protected config"
CONFIG_DUPLICATE = "duplicate parameter"
CONFIG_NO_FILE = "ERR The server is running without a config file"
CONFIG_REWRITE_FAILED = "ERR Rewriting config file: %s"
SHUTDOWN_FAILED = "ERR Errors trying to SHUTDOWN. Check logs."
SHUTDOWN_NOT_IN_PROGRESS = "ERR No shutdown in progress."
SHUTDOWN_DENY_BLOCKING = "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client"
PROTECTED_NOT_ALLOWED = ('ERR %s command not allowed. If the %s option is set to '
                     '"local", you can run it from a local connection, otherwise you need to set '
                     'this option in the configuration file, and then restart the server.')
DEBUG_PROTOCOL_TYPE = ("ERR Wrong protocol type name. Please use one of the following: "
                       "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
DEBUG_PROTOCOL_RESP2 = "ERR RESP2 is not supported by this command"

# Lists (LPOP's count, LMPOP's numkeys and COUNT share the ZSET_ texts above)
LPOS_RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                  "second ... or use negative to start from the end of the list")
LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative"
LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative"

# Connection (HELLO, AUTH, CLIENT)
NOPROTO = "NOPROTO unsupported protocol version"
HELLO_PROTO_NOT_INTEGER = "ERR Protocol version is not an integer or out of range"
HELLO_SYNTAX = "ERR Syntax error in HELLO option '%s'"
HELLO_NOAUTH = ("NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
                "the RESP protocol version at the same time")
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
AUTH_NOPASS = ("ERR AUTH <password> called without any password configured for the default user. "
               "Are you sure your configuration is correct?")
CLIENT_NAME_INVALID = "ERR Client names cannot contain spaces, newlines or special characters."
NO_SUCH_CLIENT = "ERR No such client"
UNKNOWN_CLIENT_TYPE = "ERR Unknown client type '%s'"
INVALID_CLIENT_ID = "ERR Invalid client ID"
CLIENT_ID_POSITIVE = "ERR client-id should be greater than 0"
NO_SUCH_USER = "ERR No such user '%s'"
UNBLOCK_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
PAUSE_MODE = "ERR CLIENT PAUSE mode must be WRITE or ALL"
TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"

# Strings
STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
DECREMENT_OVERFLOW = "ERR decrement would overflow"
LCS_NOT_STRINGS = "ERR The specified keys must contain string values"
LCS_IDX_AND_LEN = "ERR If you want both the length and indexes, please just use IDX."
LCS_TOO_LONG = "ERR String too long for LCS"
LCS_MEMORY = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"

# Keyspace (generic)
EXPIRE_UNSUPPORTED_OPTION = "ERR Unsupported option %s"
EXPIRE_NX_INCOMPATIBLE = "ERR NX and XX, GT or LT options at the same time are not compatible"
EXPIRE_GT_LT_INCOMPATIBLE = "ERR GT and LT options at the same time are not compatible"
INVALID_FIRST_DB = "ERR invalid first DB index"
INVALID_SECOND_DB = "ERR invalid second DB index"
OBJECT_FREQ_NOT_LFU = ("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                       "Please note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.")
OBJECT_IDLETIME_LFU = ("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                       "that when switching between policies at runtime LRU and LFU data will take "
                       "some time to adjust.")

# Bitmaps and bitfields
BIT_OFFSET = "ERR bit offset is not an integer or out of range"
BIT_VALUE = "ERR bit is not an integer or out of range"
BITPOS_BIT = "ERR The bit argument must be 1 or 0."
BITOP_NOT_ONE_KEY = "ERR BITOP NOT must be called with a single source key."
BITFIELD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                 "supported but i64 is.")
BITFIELD_OVERFLOW = "ERR Invalid OVERFLOW type specified"
BITFIELD_RO_GET_ONLY = "ERR BITFIELD_RO only supports the GET subcommand"

# Geo
GEO_INVALID_PAIR = "ERR invalid longitude,latitude pair %.6f,%.6f"
GEO_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
GEO_NEED_RADIUS = "ERR need numeric radius"
GEO_NEED_WIDTH = "ERR need numeric width"
GEO_NEED_HEIGHT = "ERR need numeric height"
GEO_RADIUS_NEGATIVE = "ERR radius cannot be negative"
GEO_BOX_NEGATIVE = "ERR height or width cannot be negative"
GEO_NO_MEMBER = "ERR could not decode requested zset member"
GEO_COUNT_POSITIVE = "ERR COUNT must be > 0"
GEO_ANY_NEEDS_COUNT = "ERR the ANY argument requires COUNT argument"
GEO_STORE_WITH = "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
GEO_NEED_FROM = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
GEO_NEED_BY = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"

# Shared prebuilt errors for the hot paths
E_WRONGTYPE = CommandError(WRONGTYPE)
E_SYNTAX = CommandError(SYNTAX)
E_NOT_INTEGER = CommandError(NOT_INTEGER)
E_NOT_FLOAT = CommandError(NOT_FLOAT)
E_NO_SUCH_KEY = CommandError(NO_SUCH_KEY)
E_OVERFLOW = CommandError(OVERFLOW)

# SLOWLOG, LATENCY, MEMORY, MONITOR
SLOWLOG_COUNT = "ERR count should be greater than or equal to -1"
REPLICA_KEYSPACE = "ERR Replica can't interact with the keyspace"
LATENCY_NO_SAMPLES = "ERR No samples available for event '%s'"

# ACL
NOPERM_COMMAND = "NOPERM this user has no permissions to run the '%s' command"
NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments"
NOPERM_CHANNEL = ("NOPERM this user has no permissions to access one of the channels used as "
                  "arguments")
NOPERM_EXEC = ("NOPERM ACLs rules changed between the moment the transaction was accumulated and "
               "the EXEC call. This command is no longer allowed for the following reason: %s")
ACL_SETUSER_ERROR = "ERR Error in ACL SETUSER modifier '%s': %s"
ACL_UNMATCHED_PAREN = "ERR Unmatched parenthesis in acl selector starting at '%s'."
ACL_DELETE_DEFAULT = "ERR The 'default' user cannot be removed"
ACL_UNKNOWN_CATEGORY = "ERR Unknown category '%s'"
ACL_GENPASS_BITS = ("ERR ACL GENPASS argument must be the number of bits for the output password, "
                    "a positive number up to 4096")
ACL_USER_NOT_FOUND = "ERR User '%s' not found"
ACL_COMMAND_NOT_FOUND = "ERR Command '%s' not found"
ACL_NO_FILE = ("ERR This Redis instance is not configured to use an ACL file. You may want to "
               "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
               "(assuming you have a Redis configuration file set) in order to store users in the "
               "Redis configuration.")
ACL_SAVE_FAILED = "ERR There was an error trying to save the ACLs. Please check the server logs for more information"

# CLIENT TRACKING and CACHING
TRACKING_ONE_REDIRECT = "ERR A client can only redirect to a single other client"
TRACKING_NO_REDIRECT_CLIENT = "ERR The client ID you want redirect to does not exist"
TRACKING_PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled"
TRACKING_SWITCH_BCAST = ("ERR You can't switch BCAST mode on/off before disabling tracking for "
                         "this client, and then re-enabling it with a different mode.")
TRACKING_OPT_BCAST = "ERR OPTIN and OPTOUT are not compatible with BCAST"
TRACKING_OPTIN_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode"
TRACKING_SWITCH_OPT = ("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
                       "client, and then re-enabling it with a different mode.")
TRACKING_PREFIX_EXISTING = ("ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a "
                            "single client must not overlap.")
TRACKING_PREFIX_OTHER = ("ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for "
                         "a single client must not overlap.")
CACHING_NOT_TRACKING = ("ERR CLIENT CACHING can be called only when the client is in tracking mode "
                        "with OPTIN or OPTOUT mode enabled")
CACHING_YES_OPTIN = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
CACHING_NO_OPTOUT = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."

# maxmemory
OOM = "OOM command not allowed when used memory > 'maxmemory'."
# HyperLogLog
HLL_WRONGTYPE = "WRONGTYPE Key is not a valid HyperLogLog string value."
HLL_INVALID = "INVALIDOBJ Corrupted HLL object detected"
PFDEBUG_NO_KEY = "ERR The specified key does not exist"
PFDEBUG_NOT_SPARSE = "ERR HLL encoding is not sparse"
PFDEBUG_UNKNOWN = "ERR Unknown PFDEBUG subcommand '%s'"
PFSELFTEST_FAILED = "ERR TESTFAILED %s"
