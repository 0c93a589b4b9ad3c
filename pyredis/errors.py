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
DEBUG_RELOAD_OPTIONS = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
DEBUG_RELOAD_SAVE = "ERR"
DEBUG_RELOAD_LOAD = "ERR Error trying to load the RDB dump"
DEBUG_RESTART_FAILED = "ERR failed to restart the server. Check server logs."
DEBUG_NOT_SDS = "ERR Not an sds encoded string."
DEBUG_NOT_LISTPACK = "ERR Not a listpack encoded object."
DEBUG_NOT_QUICKLIST = "ERR Not a quicklist encoded object."
DEBUG_NOT_HASHTABLE = "ERR The value stored at the specified key is not represented using an hash table"
DEBUG_DB_OUT_OF_RANGE = "ERR Out of range database"
DEBUG_PACKED_THRESHOLD = "ERR argument must be a memory value bigger than 1 and smaller than 4gb"
DEBUG_CLUSTER_ONLY = "ERR Debug option only available for cluster mode enabled setup!"
DEBUG_CLIENT_EVICTION_DISABLED = "ERR maxmemory-clients is disabled."
DEBUG_CONFIG_REWRITE_FAILED = "ERR CONFIG-REWRITE-FORCE-ALL failed: %s"
CLOCK_BACKWARDS = "ERR PYREDIS.CLOCK ADVANCE takes a non-negative number of milliseconds; use SET to go back"

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
AOF_REWRITE_IN_PROGRESS = "ERR Background append only file rewriting already in progress"
AOF_REWRITE_FAILED = ("ERR Can't execute an AOF background rewriting. "
                      "Please check the server logs for more information.")

# Persistence (SAVE, BGSAVE, DUMP, RESTORE, MIGRATE, loading)
BGSAVE_IN_PROGRESS = "ERR Background save already in progress"
BGSAVE_AOF_IN_PROGRESS = ("ERR An AOF log rewriting in progress: can't BGSAVE right now. Use BGSAVE "
                          "SCHEDULE in order to schedule a BGSAVE whenever possible.")
BARE_ERR = "ERR"
LOADING = "LOADING Redis is loading the dataset in memory"
MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
           "to disk. Commands that may modify the data set are disabled, because this instance is "
           "configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
           "RDB error.")
DUMP_PAYLOAD_INVALID = "ERR DUMP payload version or checksum are wrong"
BAD_DATA_FORMAT = "ERR Bad data format"
BUSYKEY = "BUSYKEY Target key name already exists."
RESTORE_TTL_NEGATIVE = "ERR Invalid TTL value, must be >= 0"
RESTORE_IDLETIME_NEGATIVE = "ERR Invalid IDLETIME value, must be >= 0"
RESTORE_FREQ_RANGE = "ERR Invalid FREQ value, must be >= 0 and <= 255"
MIGRATE_KEYS_EMPTY_KEY = ("ERR When using MIGRATE KEYS option, the key argument must be set to the "
                          "empty string")
MIGRATE_IOERR = "IOERR error or timeout %s to target instance"
MIGRATE_CONNECT = "IOERR error or timeout connecting to the client"
MIGRATE_TARGET = "ERR Target instance replied with error: %s"

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

# Scripting and functions
SCRIPT_UNKNOWN_COMMAND = "ERR Unknown Redis command called from script"
SCRIPT_WRONG_ARITY = "ERR Wrong number of args calling Redis command from script"
SCRIPT_NOSCRIPT_COMMAND = "ERR This Redis command is not allowed from script"
SCRIPT_WRITE_READ_ONLY = "ERR Write commands are not allowed from read-only scripts."
SCRIPT_KILLED = "ERR Script killed by user with SCRIPT KILL..."
BUSY_EVAL = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
BUSY_FUNCTION = ("BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 "SHUTDOWN NOSAVE.")
NOTBUSY = "NOTBUSY No scripts in execution right now."
UNKILLABLE = ("UNKILLABLE Sorry the script already executed write commands against the dataset. "
              "You can either wait the script termination or kill the server in a hard way using "
              "the SHUTDOWN NOSAVE command.")
NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative"
SCRIPT_COMPILE = "ERR Error compiling script (new function): %s"
SCRIPT_WRITE_FLAG_RO = "ERR Can not execute a script with write flag using *_ro command."
SHEBANG_UNKNOWN_ENGINE = "ERR Unexpected engine in script shebang: %s"
SHEBANG_UNKNOWN_FLAG = "ERR Unexpected flag in script shebang: %s"
SHEBANG_UNKNOWN_OPTION = "ERR Unknown lua shebang option: %s"
SHEBANG_INVALID = "ERR Invalid script shebang"
SCRIPT_FLUSH_OPTION = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
SCRIPT_DEBUG_OPTION = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
SCRIPT_DEBUG_IN_MULTI = "ERR SCRIPT DEBUG must be called outside MULTI"
FUNCTION_FLUSH_OPTION = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
FUNCTION_NOT_FOUND = "ERR Function not found"
LIBRARY_NOT_FOUND = "ERR Library not found"
LIBRARY_MISSING_METADATA = "ERR Missing library metadata"
LIBRARY_INVALID_METADATA = "ERR Invalid library metadata"
LIBRARY_NAME_TWICE = "ERR Invalid metadata value, name argument was given multiple times"
LIBRARY_METADATA_VALUE = "ERR Invalid metadata value given: %s"
LIBRARY_NO_NAME = "ERR Library name was not given"
LIBRARY_BAD_NAME = ("ERR Library names can only contain letters, numbers, or underscores(_) and "
                    "must be at least one character long")
LIBRARY_ENGINE_NOT_FOUND = "ERR Engine '%s' not found"
LIBRARY_EXISTS = "ERR Library '%s' already exists"
LIBRARY_NO_FUNCTIONS = "ERR No functions registered"
FUNCTION_EXISTS = "ERR Function %s already exists"
FUNCTION_COMPILE = "ERR Error compiling function: %s"
FUNCTION_REGISTER = "ERR Error registering functions: %s"
FUNCTION_RESTORE_POLICY = ("ERR Wrong restore policy given, value should be either FLUSH, APPEND or "
                           "REPLACE.")
FUNCTION_RESTORE_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
FUNCTION_LIST_SYNTAX = "ERR Unknown argument %s"
FUNCTION_LIST_NO_PATTERN = "ERR library name argument was not given"
SCRIPT_DEBUG_FAILED = "ERR Fork() failed: can't run EVAL in debugging mode: %s"
SCRIPT_DEBUG_EVALSHA = "ERR Please use EVAL instead of EVALSHA for debugging"
FCALL_BAD_NUMKEYS = "ERR Bad number of keys provided"
FUNCTION_LOAD_ARG = "ERR Unknown option given: %s"
FUNCTION_LOAD_NO_CODE = "ERR Function code is missing"
FUNCTION_LOAD_TIMEOUT = "ERR FUNCTION LOAD timeout"
LUA_STACK_LIMIT = "ERR reached lua stack limit"
SCRIPT_RUN_FAILED = "ERR Error running script %s, %s"
LIBRARY_EXISTS_RESTORE = "ERR Library %s already exists"
RESTORE_NO_TYPE = "ERR can not read data type"
RESTORE_PRE_GA = "ERR Pre-GA function format not supported"
RESTORE_NOT_FUNCTION = "ERR given type is not a function"
RESTORE_BAD_LIBRARY = "ERR Failed loading library payload"
# Raised into a script by the redis.* API.
LUA_LOG_ARGS = "ERR redis.log() requires two arguments or more."
LUA_LOG_LEVEL_TYPE = "ERR First argument must be a number (log level)."
LUA_LOG_LEVEL = "ERR Invalid debug level."
LUA_SETRESP_ARGS = "ERR redis.setresp() requires one argument."
LUA_SETRESP_VERSION = "ERR RESP version must be 2 or 3."
LUA_SET_REPL_ARGS = "ERR redis.set_repl() requires two arguments."
LUA_SET_REPL_FLAGS = "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."
LUA_ACL_INVALID_COMMAND = "ERR Invalid command passed to redis.acl_check_cmd()"
LUA_CALL_NO_ARGS = "ERR Please specify at least one argument for this redis lib call"
LUA_CALL_ARG_TYPE = "ERR Lua redis lib command arguments must be strings or integers"
LUA_WRONG_ARGS = "ERR wrong number of arguments"
SCRIPT_CALL_OUTSIDE_RUN = "ERR redis.call/pcall can only be called inside a script invocation"
SCRIPT_NOPERM_COMMAND = "ERR The user executing the script can't run this command or subcommand"
SCRIPT_NOPERM_KEY = ("ERR The user executing the script can't access at least one of the keys mentioned "
                     "in the command arguments")
SCRIPT_NOPERM_CHANNEL = "ERR The user executing the script can't publish to the channel mentioned in the command"
# Streams
STREAM_INVALID_ID = "ERR Invalid stream ID specified as stream command argument"
STREAM_INVALID_START = "ERR invalid start ID for the interval"
STREAM_INVALID_END = "ERR invalid end ID for the interval"
STREAM_MAXLEN_AND_MINID = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
STREAM_MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0."
STREAM_LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0."
STREAM_LIMIT_WITHOUT_STRATEGY = ("ERR syntax error, LIMIT cannot be used without specifying a "
                                 "trimming strategy")
STREAM_XTRIM_NEEDS_STRATEGY = "ERR syntax error, XTRIM must be called with a trimming strategy"
STREAM_LIMIT_WITHOUT_APPROX = "ERR syntax error, LIMIT cannot be used without the special ~ option"
STREAM_XADD_ZERO_ID = "ERR The ID specified in XADD must be greater than 0-0"
STREAM_EXHAUSTED = "ERR The stream has exhausted the last possible ID, unable to add more items"
STREAM_ID_TOO_SMALL = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
STREAM_BLOCK_IN_SCRIPT = "ERR %s command is not allowed with BLOCK option from scripts"
STREAM_UNBALANCED = ("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
                     "specified.")
STREAM_GROUP_ONLY_XREADGROUP = ("ERR The GROUP option is only supported by XREADGROUP. You called "
                                "XREAD instead.")
STREAM_NOACK_ONLY_XREADGROUP = ("ERR The NOACK option is only supported by XREADGROUP. You called "
                                "XREAD instead.")
STREAM_MISSING_GROUP = "ERR Missing GROUP option for XREADGROUP"
STREAM_XREADGROUP_NOGROUP = ("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with "
                             "GROUP option")
STREAM_DOLLAR_IN_XREADGROUP = ("ERR The $ ID is meaningless in the context of XREADGROUP: you want "
                               "to read the history of this consumer by specifying a proper ID, or "
                               "use the > ID to get new messages. The $ ID would just return an "
                               "empty result set.")
STREAM_GT_ONLY_XREADGROUP = ("ERR The > ID can be specified only when calling XREADGROUP using the "
                             "GROUP <group> <consumer> option.")
STREAM_KEY_GONE = "UNBLOCKED the stream key no longer exists"
STREAM_BLOCKED_GROUP_GONE = "NOGROUP the consumer group this client was blocked on no longer exists"
STREAM_ENTRIESREAD = "ERR value for ENTRIESREAD must be positive or -1"
STREAM_XGROUP_NEEDS_KEY = ("ERR The XGROUP subcommand requires the key to exist. Note that for "
                           "CREATE you may want to use the MKSTREAM option to create an empty "
                           "stream automatically.")
STREAM_XGROUP_NOGROUP = "NOGROUP No such consumer group '%s' for key name '%s'"
STREAM_BUSYGROUP = "BUSYGROUP Consumer Group name already exists"
STREAM_NOGROUP = "NOGROUP No such key '%s' or consumer group '%s'"
STREAM_XCLAIM_MINIDLE = "ERR Invalid min-idle-time argument for %s"
STREAM_XCLAIM_OPTION = "ERR Invalid %s option argument for XCLAIM"
STREAM_XCLAIM_UNKNOWN = "ERR Unrecognized XCLAIM option '%s'"
STREAM_COUNT_POSITIVE = "ERR COUNT must be > 0"
STREAM_ENTRIES_ADDED_NEGATIVE = "ERR entries_added must be positive"
STREAM_XSETID_BELOW_GIVEN_MAXDELETED = ("ERR The ID specified in XSETID is smaller than the "
                                        "provided max_deleted_entry_id")
STREAM_XSETID_BELOW_TOP = "ERR The ID specified in XSETID is smaller than the target stream top item"
STREAM_XSETID_ENTRIES_ADDED = ("ERR The entries_added specified in XSETID is smaller than the "
                               "target stream length")

# ---- replication, master side -------------------------------------------------------
NOREPLICAS = "NOREPLICAS Not enough good replicas to write."
SYNC_NOT_CONNECTED = "NOMASTERLINK Can't SYNC while not connected with my master"
SYNC_PENDING_OUTPUT = "ERR SYNC and PSYNC are invalid with pending output"
SYNC_FILTER_NEEDS_EOF = "ERR Filtered replica requires EOF capability"
REPLCONF_UNKNOWN = "ERR Unrecognized REPLCONF option: %s"
REPLCONF_IP_TOO_LONG = "ERR REPLCONF ip-address provided by replica instance is too long: %d bytes"
REPLCONF_RDB_ONLY_RANGE = "ERR value is out of range, value must between 0 and 1"
REPLCONF_RDB_FILTER = "ERR Unsupported rdb-filter-only option: %s"
WAIT_ON_REPLICA = ("ERR WAIT cannot be used with replica instances. Please also note that since Redis "
                   "4.0 if a replica is configured to be writable (which is not the default) writes to "
                   "replicas are just local and are not propagated.")
WAIT_TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"
# Cluster mode (cluster.c)
CLUSTER_DISABLED = "ERR This instance has cluster support disabled"
CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"
CLUSTER_DOWN = "CLUSTERDOWN The cluster is down"
CLUSTER_DOWN_RO = "CLUSTERDOWN The cluster is down and only accepts read commands"
CLUSTER_DOWN_UNBOUND = "CLUSTERDOWN Hash slot not served"
CLUSTER_TRYAGAIN = "TRYAGAIN Multiple keys request during rehashing of slot"
CLUSTER_SELECT = "ERR SELECT is not allowed in cluster mode"
CLUSTER_MOVE = "ERR MOVE is not allowed in cluster mode"
CLUSTER_SWAPDB = "ERR SWAPDB is not allowed in cluster mode"
CLUSTER_COPY_DB = "ERR Copying to another database is not allowed in cluster mode"
CLUSTER_INVALID_SLOT_RANGE = "ERR Invalid or out of range slot"
CLUSTER_INVALID_SLOT = "ERR Invalid slot"
CLUSTER_INVALID_SLOT_OR_COUNT = "ERR Invalid slot or number of keys"
CLUSTER_SLOT_BUSY = "ERR Slot %d is already busy"
CLUSTER_SLOT_UNASSIGNED = "ERR Slot %d is already unassigned"
CLUSTER_SLOT_TWICE = "ERR Slot %d specified multiple times"
CLUSTER_SLOT_START_GT_END = "ERR start slot number %d is greater than end slot number %d"
CLUSTER_UNKNOWN_NODE = "ERR Unknown node %s"
CLUSTER_FORGET_MYSELF = "ERR I tried hard but I can't forget myself..."
CLUSTER_REPLICATE_MYSELF = "ERR Can't replicate myself"
CLUSTER_FAILOVER_MASTER = "ERR You should send CLUSTER FAILOVER to a replica"
CLUSTER_RESET_KEYS = "ERR CLUSTER RESET can't be called with master nodes containing keys"
CLUSTER_FLUSHSLOTS_KEYS = "ERR DB must be empty to perform CLUSTER FLUSHSLOTS."
CLUSTER_EPOCH_INVALID = "ERR Invalid config epoch specified: %d"
CLUSTER_EPOCH_NONZERO = "ERR Node config epoch is already non-zero"
CLUSTER_MEET_PORT = "ERR Invalid TCP base port specified: %s"
CLUSTER_MEET_BUS_PORT = "ERR Invalid TCP bus port specified: %s"
CLUSTER_MEET_ADDRESS = "ERR Invalid node address specified: %s:%s"
CLUSTER_SETSLOT_SYNTAX = ("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER "
                          "HELP")
CLUSTER_NOT_OWNER = "ERR I'm not the owner of hash slot %u"
CLUSTER_ALREADY_OWNER = "ERR I'm already the owner of hash slot %u"
CLUSTER_DONT_KNOW_NODE = "ERR I don't know about node %s"
CLUSTER_SAVE_FAILED = "ERR error saving the cluster node config: %s"
SCRIPT_NO_CLUSTER = "ERR Can not run script on cluster, 'no-cluster' flag is set."
SCRIPT_NON_LOCAL_KEY = "ERR Script attempted to access a non local key in a cluster node"
SCRIPT_CROSS_SLOT = "ERR Script attempted to access keys that do not hash to the same slot"
SCRIPT_CLUSTER_DOWN = "ERR Script attempted to execute a command while the cluster is down"
SCRIPT_CLUSTER_DOWN_RO = ("ERR Script attempted to execute a write command while the cluster is "
                          "down and readonly")
# Replication, the replica side (replicaofCommand, failoverCommand, processCommand).
READONLY_REPLICA = "READONLY You can't write against a read only replica."
MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
INVALID_MASTER_PORT = "ERR Invalid master port"
REPLICAOF_FAILING_OVER = "ERR REPLICAOF not allowed while failing over."
REPLICAOF_FROM_REPLICA = "ERR Command is not valid when client is a replica."
UNBLOCKED_ROLE_CHANGE = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
FAILOVER_NOT_IN_PROGRESS = "ERR No failover in progress."
FAILOVER_TIMEOUT = "ERR FAILOVER timeout must be greater than 0"
FAILOVER_IN_PROGRESS = "ERR FAILOVER already in progress."
FAILOVER_ON_REPLICA = "ERR FAILOVER is not valid when server is a replica."
FAILOVER_NO_REPLICAS = "ERR FAILOVER requires connected replicas."
FAILOVER_FORCE_ARGS = "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
FAILOVER_TARGET_NOT_REPLICA = "ERR FAILOVER target HOST and PORT is not a replica."
FAILOVER_TARGET_OFFLINE = "ERR FAILOVER target replica is not online."
FAILOVER_CLUSTER = "ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead."
SYNC_FAILING_OVER = "NOMASTERLINK Can't SYNC while failing over"
READONLY_SCRIPT = "READONLY Can not run script with write flag on readonly replica"
SCRIPT_STALE_REPLICA = "ERR Can not execute the command on a stale replica"
PSYNC_FAILOVER_REPLID = "ERR PSYNC FAILOVER replid must match my replid."
