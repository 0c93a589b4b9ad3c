"""COMMAND and its subcommands, and the command table against Redis's record.

The declaration test imports the table directly: every declared command must
agree with what redis-server 7.0.15 reports (command_docs.json), so a wrong
arity, flag or key position fails here instead of silently differing.
"""
import json

import pytest

from respclient import encode_command

from pyredis.commands import load_all
from pyredis.commands import introspection

TABLE = load_all()
RECORDS = introspection.records()
DECLARED = [cmd for top in list(TABLE.values()) for cmd in top.all_commands()]


def _ids(cmds):
    return [cmd.fullname for cmd in cmds]


@pytest.mark.parametrize("cmd", DECLARED, ids=_ids(DECLARED))
def test_declaration_matches_redis(cmd):
    rec = RECORDS.get(cmd.fullname)
    assert rec is not None, "%s is not a Redis 7.0.15 command" % cmd.fullname
    declared = (cmd.arity, introspection.command_flags(cmd),
                (cmd.first_key, cmd.last_key, cmd.key_step), cmd.group)
    redis = (rec["arity"], rec["flags"], (rec["first_key"], rec["last_key"], rec["step"]),
             rec["docs"]["group"].replace("-", "_"))
    assert declared == redis


@pytest.mark.parametrize("cmd", DECLARED, ids=_ids(DECLARED))
def test_subcommands_have_a_handler(cmd):
    if cmd.subcommands is None:
        assert cmd.handler is not None
    assert ("movablekeys" in RECORDS[cmd.fullname]["flags"]) == ("movablekeys" in introspection.command_flags(cmd))


def test_flag_order_is_redis_for_every_command():
    for name, rec in RECORDS.items():
        rank = [introspection.FLAG_ORDER.index(f) for f in rec["flags"]]
        assert rank == sorted(rank), name


def test_docs_json_is_sorted_and_complete():
    with open(introspection.DOCS_PATH, encoding="utf-8") as f:
        data = json.load(f)
    assert data["redis_version"] == "7.0.15"
    names = list(data["commands"])
    assert names == sorted(names)
    for name, rec in data["commands"].items():
        assert set(rec) >= {"arity", "flags", "first_key", "last_key", "step", "acl_categories",
                            "tips", "key_specs", "docs"}, name
        for sub in rec.get("subcommands", ()):
            assert sub.startswith(name + "|") and sub in data["commands"]


# ---- the live server --------------------------------------------------------------
def _count(reply):
    return int(reply.split(b"\r\n", 1)[0][1:])


TOP_LEVEL = len(TABLE)
ALL_NAMES = {cmd.fullname.encode() for cmd in introspection.all_commands()}


def test_command_count_and_listing_cover_the_table(raw):
    assert raw.cmd("COMMAND", "COUNT") == b":%d\r\n" % TOP_LEVEL
    assert _count(raw.cmd("COMMAND")) == TOP_LEVEL
    assert _count(raw.cmd("COMMAND", "INFO")) == TOP_LEVEL
    assert _count(raw.cmd("COMMAND", "DOCS")) == 2 * TOP_LEVEL
    listed = raw.cmd("COMMAND", "LIST")
    names = set(listed.split(b"\r\n")[2::2])
    assert names == ALL_NAMES
    assert b"config|get" in names and b"command|info" in names


def test_command_info_shape(raw):
    assert raw.cmd("COMMAND", "INFO", "time") == (
        b"*1\r\n*10\r\n$4\r\ntime\r\n:1\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n"
        b"*1\r\n+@fast\r\n*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n")
    assert raw.cmd("COMMAND", "INFO", "nosuch") == b"*1\r\n$-1\r\n"
    assert raw.cmd("COMMAND", "DOCS", "nosuch") == b"*0\r\n"


def test_command_info_of_a_container_lists_its_subcommands(raw):
    reply = raw.cmd("COMMAND", "INFO", "config")
    for sub in (b"config|get", b"config|set", b"config|resetstat", b"config|rewrite", b"config|help"):
        assert b"$%d\r\n%s\r\n" % (len(sub), sub) in reply


def test_command_getkeys(raw):
    assert raw.cmd("COMMAND", "GETKEYS", "GET", "k") == b"*1\r\n$1\r\nk\r\n"
    assert raw.cmd("COMMAND", "GETKEYS", "nosuch", "k") == b"-ERR Invalid command specified\r\n"
    assert raw.cmd("COMMAND", "GETKEYS", "time", "x") == b"-ERR The command has no key arguments\r\n"
    assert raw.cmd("COMMAND", "GETKEYS", "get", "a", "b") == \
        b"-ERR Invalid number of arguments specified for command\r\n"
    assert raw.cmd("COMMAND", "GETKEYSANDFLAGS", "set", "k", "v") == \
        b"*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n"


def test_command_list_filters(raw):
    assert raw.cmd("COMMAND", "LIST", "FILTERBY", "PATTERN", "config|g*") == b"*1\r\n$10\r\nconfig|get\r\n"
    assert raw.cmd("COMMAND", "LIST", "FILTERBY", "MODULE", "x") == b"*0\r\n"
    assert raw.cmd("COMMAND", "LIST", "FILTERBY", "x", "y") == b"-ERR syntax error\r\n"
    admin = raw.cmd("COMMAND", "LIST", "FILTERBY", "ACLCAT", "ADMIN")
    assert b"config|set" in admin and b"$4\r\ntime\r\n" not in admin


# ---- command names in any case ------------------------------------------------------
def _spellings(name, count):
    """``count`` distinct case spellings of ``name``."""
    out = []
    for bits in range(count):
        out.append("".join(ch.upper() if bits >> i & 1 else ch for i, ch in enumerate(name)))
    return out


def test_a_command_is_found_in_any_of_more_spellings_than_the_memo_keeps(raw):
    from pyredis.commands import SPELLINGS_MAX
    raw.cmd("SET", "n", "0")
    spellings = _spellings("incrby", 64) + _spellings("hincrbyfloat", SPELLINGS_MAX + 200)
    raw.send(b"".join(encode_command(name, "n", "1") if len(name) == 6
                      else encode_command(name, "h", "f", "1") for name in spellings))
    replies = [raw.read_reply() for _ in spellings]
    assert replies[:64] == [b":%d\r\n" % i for i in range(1, 65)]
    assert replies[-1] == b"$4\r\n%d\r\n" % (SPELLINGS_MAX + 200)
    # Unknown names keep the spelling the request used in the error.
    assert raw.cmd("nOsUcH", "a") == (b"-ERR unknown command 'nOsUcH', with args beginning "
                                      b"with: 'a' \r\n")
    assert raw.cmd("GET", "n") == b"$2\r\n64\r\n"


def test_the_spelling_memo_is_bounded_and_forgets_a_changed_table():
    from pyredis.commands import SPELLINGS_MAX, CommandTable
    table = CommandTable()
    table[b"get"] = get = object()
    table[b"hincrbyfloat"] = long = object()
    for name in _spellings("getgetgetget", 20):
        assert table.find(name.encode()) is None
    assert table.spelled == {}
    for name in _spellings("get", 8) + _spellings("hincrbyfloat", SPELLINGS_MAX + 10):
        assert table.find(name.encode()) is (get if len(name) == 3 else long)
    assert len(table.spelled) == SPELLINGS_MAX
    assert table.spelled[b"gEt"] is get
    table[b"set"] = object()
    assert table.spelled == {}
    table.find(b"GET")
    assert table.pop(b"get") is get and table.spelled == {}
    assert table.find(b"GET") is None
    for change in (lambda: table.update({b"x": 1}), lambda: table.setdefault(b"y", 2),
                   table.popitem, table.clear):
        table.find(b"hIncrByFloat")
        change()
        assert table.spelled == {}
