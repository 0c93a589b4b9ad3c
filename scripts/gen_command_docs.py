#!/usr/bin/env python3
"""Regenerate pyredis/commands/command_docs.json from a running redis-server 7.0.15.

    redis-server --port 7000 --save "" --appendonly no --daemonize yes
    python scripts/gen_command_docs.py --port 7000

Reads COMMAND INFO and COMMAND DOCS (RESP3) for every command and subcommand
and keeps what the command table does not declare itself: ACL categories,
tips, key specs and the docs.  Arity, flags and key positions are kept too,
so a test can check every declaration against Redis.

The JSON holds plain values; the reply types are implied by the field names
(see pyredis/commands/introspection.py), and this script refuses to write a
file when a reply does not follow those rules, so the rules stay honest.
Run it against a redis-server started without a config file.
Commands are sorted by name; fields keep Redis's order.
"""
import argparse
import json
import os
import socket
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "pyredis", "commands", "command_docs.json")


class Simple(str):
    """A RESP3 simple string (``+``), as opposed to a bulk string."""


class RSet(list):
    """A RESP3 set (``~``)."""


class RMap(list):
    """A RESP3 map (``%``) as a list of (key, value) pairs."""


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.buf = b""
        self.pos = 0

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = self.buf[self.pos:end]
                self.pos = end + 2
                return line
            self._fill()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return Simple(rest.decode())
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            while len(self.buf) < self.pos + n + 2:
                self._fill()
            data = self.buf[self.pos:self.pos + n]
            self.pos += n + 2
            return data.decode()
        if kind == b"_":
            return None
        if kind in b"*~":
            items = [self._read() for _ in range(int(rest))]
            return RSet(items) if kind == b"~" else items
        if kind == b"%":
            return RMap((self._read(), self._read()) for _ in range(int(rest)))
        raise RuntimeError("unexpected reply type %r" % line)

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
            out.append(b"$%d\r\n%b\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._read()


def fail(where, what):
    raise SystemExit("unexpected reply shape at %s: %s" % (where, what))


def simples(value, where):
    if not isinstance(value, RSet) or not all(isinstance(v, Simple) for v in value):
        fail(where, "expected a set of simple strings")
    return [str(v) for v in value]


def bulks(value, where):
    if not isinstance(value, RSet) or not all(type(v) is str for v in value):
        fail(where, "expected a set of bulk strings")
    return list(value)


def plain(value, where):
    """Maps -> dicts, arrays -> lists, bulk strings and integers as they are."""
    if isinstance(value, RMap):
        out = {}
        for k, v in value:
            if type(k) is not str:
                fail(where, "map key is not a bulk string")
            out[k] = plain(v, where + "." + k)
        return out
    if isinstance(value, (RSet, Simple)):
        fail(where, "unexpected set or simple string")
    if isinstance(value, list):
        return [plain(v, where) for v in value]
    return value


def key_spec(spec, where):
    out = {}
    for k, v in spec:
        out[k] = simples(v, where + ".flags") if k == "flags" else plain(v, where + "." + k)
    return out


def docs_map(doc, where):
    out = {}
    for k, v in doc:
        if k == "doc_flags":
            out[k] = simples(v, where + ".doc_flags")
        elif k == "history":
            if not isinstance(v, RSet):
                fail(where, "history is not a set")
            out[k] = [plain(entry, where + ".history") for entry in v]
        elif k == "arguments":
            out[k] = [argument(a, where + ".arguments") for a in v]
        elif k == "subcommands":
            continue  # rebuilt from the implemented subcommands
        else:
            out[k] = plain(v, where + "." + k)
    return out


def argument(arg, where):
    if not isinstance(arg, RMap):
        fail(where, "argument is not a map")
    out = {}
    for k, v in arg:
        if k == "flags":
            out[k] = simples(v, where + ".flags")
        elif k == "arguments":
            out[k] = [argument(a, where + ".arguments") for a in v]
        else:
            out[k] = plain(v, where + "." + k)
    return out


def info_record(entry, where):
    name, arity, flags, first, last, step, acl, tips, specs, subs = entry
    if not isinstance(specs, RSet):
        fail(where, "key specs are not a set")
    if isinstance(subs, RSet) != (not subs):
        fail(where, "subcommands are not an array (or an empty set)")
    return name, {
        "arity": arity,
        "flags": simples(flags, where + ".flags"),
        "first_key": first,
        "last_key": last,
        "step": step,
        "acl_categories": simples(acl, where + ".acl"),
        "tips": bulks(tips, where + ".tips"),
        "key_specs": [key_spec(s, where + ".key_specs") for s in specs],
        "subcommands": sorted(sub[0] for sub in subs),
    }, subs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--out", default=OUT)
    opts = ap.parse_args()
    conn = Conn(opts.host, opts.port)
    hello = conn.call("HELLO", "3")
    version = dict(hello)["version"]
    names = sorted(conn.call("COMMAND", "LIST"))
    records = {}
    for name in names:
        (entry,) = conn.call("COMMAND", "INFO", name)
        full, rec, subs = info_record(entry, name)
        records[full] = rec
        for sub in subs:
            sub_name, sub_rec, nested = info_record(sub, sub[0])
            if nested:
                fail(sub_name, "nested subcommands")
            records[sub_name] = sub_rec
        (doc_name, doc), = conn.call("COMMAND", "DOCS", name)
        rec["docs"] = docs_map(doc, name)
        for sub_name, sub_doc in dict(doc).get("subcommands", ()):
            records[sub_name]["docs"] = docs_map(sub_doc, sub_name)
    for full, rec in records.items():
        if "docs" not in rec:
            fail(full, "no docs")
        if not rec["subcommands"]:
            del rec["subcommands"]
    data = {"redis_version": version,
            "commands": {k: records[k] for k in sorted(records)}}
    with open(opts.out, "w") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote %d commands from redis %s to %s" % (len(records), version, os.path.normpath(opts.out)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
