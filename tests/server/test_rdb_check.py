"""A corrupt RDB at startup: the load error, then redis-check-rdb's report on stdout, then the exit.

Also the standalone checker (``pyredis-check-rdb``, ``python -m pyredis.persistence.rdb_check``).
"""
import re
import subprocess
import sys

import rdbfiles as rf
from serverproc import free_port

_PREFIX = re.compile(r"^\d+:[CM] \d\d \w{3} \d{4} [\d:.]+ [#*.-] ", re.M)
_LP = rf.GOOD.index(rf.listpack([b"a", b"b", b"c"]))

REPORT_HEAD = ("[offset 0] Checking RDB file dump.rdb\n"
               "[offset 27] AUX FIELD redis-ver = '7.0.15'\n"
               "[offset 41] AUX FIELD redis-bits = '64'\n"
               "[offset 43] Selecting DB ID 0\n"
               "--- RDB ERROR DETECTED ---\n")


def _start(tmp_path, data, *extra):
    (tmp_path / "dump.rdb").write_bytes(data)
    out = subprocess.run([sys.executable, "-m", "pyredis", "--port", str(free_port()),
                          "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)] + list(extra),
                         capture_output=True, timeout=60)
    return out.returncode, _PREFIX.sub("LOG ", out.stdout.decode("latin-1"))


def _tail(text):
    return text[text.index("LOG Loading RDB produced by version 7.0.15\n"):]


def test_a_bad_listpack_reports_then_terminates(tmp_path):
    code, text = _start(tmp_path, rf.GOOD[:_LP + 3] + b"\x11" + rf.GOOD[_LP + 4:])
    assert code == 1
    internal = ("Internal error in RDB reading offset 0, function at rdb.c:2071 -> "
                "Listpack integrity check failed.")
    assert _tail(text) == (
        "LOG Loading RDB produced by version 7.0.15\n"
        "LOG " + internal + "\n" + REPORT_HEAD
        + "[offset 79] " + internal + "\n"
        "[additional info] While doing: read-object-value\n"
        "[additional info] Reading key 'l'\n"
        "[additional info] Reading type 18 (quicklist-v2)\n"
        "[info] 2 keys read\n[info] 1 expires\n[info] 0 already expired\n"
        "LOG Terminating server after rdb file reading failure.\n")


def test_a_short_read_is_found_by_the_check_which_ends_the_process(tmp_path):
    code, text = _start(tmp_path, rf.GOOD[:_LP + 8])
    assert code == 1
    assert _tail(text) == (
        "LOG Loading RDB produced by version 7.0.15\n"
        "LOG Short read or OOM loading DB. Unrecoverable error, aborting now.\n"
        "LOG Internal error in RDB reading offset 0, function at rdb.c:3249 -> "
        "Unexpected EOF reading RDB file\n" + REPORT_HEAD
        + "[offset 63] Unexpected EOF reading RDB file\n"
        "[additional info] While doing: read-object-value\n"
        "[additional info] Reading key 'l'\n"
        "[additional info] Reading type 18 (quicklist-v2)\n"
        "[info] 2 keys read\n[info] 1 expires\n[info] 0 already expired\n")


def test_a_bad_checksum(tmp_path):
    code, text = _start(tmp_path, rf.GOOD[:-1] + bytes((rf.GOOD[-1] ^ 1,)))
    assert code == 1
    assert text.endswith("LOG Internal error in RDB reading offset 0, function at rdb.c:3225 -> "
                         "RDB CRC error\n" + REPORT_HEAD
                         + "[offset 103] RDB CRC error\n"
                         "[additional info] While doing: check-sum\n"
                         "[info] 4 keys read\n[info] 1 expires\n[info] 0 already expired\n")


def test_the_report_goes_to_stdout_whatever_the_logfile(tmp_path):
    logfile = tmp_path / "server.log"
    code, text = _start(tmp_path, rf.GOOD[:_LP + 3] + b"\x11" + rf.GOOD[_LP + 4:],
                        "--logfile", str(logfile))
    assert code == 1
    assert text.startswith(REPORT_HEAD)
    log = logfile.read_text()
    assert "rdb.c:2071 -> Listpack integrity check failed.\n" in log
    assert log.endswith("# Terminating server after rdb file reading failure.\n")
    assert "RDB ERROR" not in log


def test_a_back_length_is_checked_only_when_sanitizing(tmp_path):
    data = rf.GOOD[:_LP + 8] + b"\x03" + rf.GOOD[_LP + 9:]
    code, text = _start(tmp_path, data, "--sanitize-dump-payload", "yes")
    assert code == 1
    assert "rdb.c:2071 -> Listpack integrity check failed." in text
    # Without deep sanitization the file loads (the list is read front to back).
    proc = subprocess.Popen([sys.executable, "-m", "pyredis", "--port", str(free_port()),
                             "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path),
                             "--loglevel", "warning"],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Server initialized" in line:
                break
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(10)


def _check(*args):
    out = subprocess.run([sys.executable, "-m", "pyredis.persistence.rdb_check"] + list(args),
                         capture_output=True, timeout=60)
    return out.returncode, _PREFIX.sub("LOG ", out.stdout.decode("latin-1")), out.stderr.decode()


def test_the_standalone_checker(tmp_path):
    path = tmp_path / "x.rdb"
    path.write_bytes(rf.GOOD)
    assert _check(str(path)) == (0, (
        "[offset 0] Checking RDB file %s\n"
        "[offset 27] AUX FIELD redis-ver = '7.0.15'\n"
        "[offset 41] AUX FIELD redis-bits = '64'\n"
        "[offset 43] Selecting DB ID 0\n"
        "[offset 103] Checksum OK\n"
        "[offset 103] \\o/ RDB looks OK! \\o/\n"
        "[info] 4 keys read\n[info] 1 expires\n[info] 0 already expired\n") % path, "")
    assert _check("-v") == (0, "redis-check-rdb 7.0.15\n", "")
    code, out, err = _check()
    assert (code, out) == (1, "") and err.startswith("Usage: ") and err.endswith(" <rdb-file-name>\n")
    assert _check(str(tmp_path / "missing.rdb")) == (
        1, "[offset 0] Checking RDB file %s\n" % (tmp_path / "missing.rdb"), "")


def test_the_server_executable_under_a_check_rdb_name_is_the_checker(tmp_path):
    path = tmp_path / "x.rdb"
    path.write_bytes(rf.GOOD[:20])
    script = ("import sys; sys.argv[0] = '/usr/bin/pyredis-check-rdb'; "
              "from pyredis.cli import main; sys.exit(main())")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, timeout=60)
    assert out.returncode == 1
    assert out.stdout.decode() == (
        "[offset 0] Checking RDB file %s\n--- RDB ERROR DETECTED ---\n"
        "[offset 20] Unexpected EOF reading RDB file\n"
        "[additional info] While doing: read-aux\n"
        "[additional info] Reading type 0 (string)\n"
        "[info] 0 keys read\n[info] 0 expires\n[info] 0 already expired\n" % path)
