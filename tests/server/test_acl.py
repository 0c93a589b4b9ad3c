"""ACL files, the ``user`` directive and requirepass on a live server."""
import sys

import pytest
import redis

from serverproc import ServerProcess, free_port, start_pyredis


@pytest.fixture
def start_with_config(tmp_path):
    """A server started from a config file holding ``text``, as ``pyredis-server redis.conf``."""
    started = []

    def start(text):
        conf = tmp_path / "redis.conf"
        conf.write_text(text)
        port = free_port()
        argv = [sys.executable, "-m", "pyredis", str(conf), "--port", str(port), "--save", ""]
        proc = ServerProcess(argv, port, str(tmp_path))
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def test_aclfile_load_and_save(tmp_path, start_server):
    path = tmp_path / "users.acl"
    path.write_text("user alice on nopass ~* +@all\n")
    proc = start_server("--aclfile", str(path))
    r = redis.Redis(port=proc.port)
    assert r.execute_command("ACL", "LIST") == [b"user alice on nopass ~* resetchannels +@all",
                                                b"user default on nopass ~* &* +@all"]
    r.execute_command("ACL", "SETUSER", "bob", "on", ">pw", "~b*", "+get")
    assert r.execute_command("ACL", "SAVE") == b"OK"
    saved = path.read_text().splitlines()
    assert saved[1].startswith("user bob on #") and saved[1].endswith(" ~b* resetchannels -@all +get")
    path.write_text("user carol on nopass ~* +@all\n")
    assert r.execute_command("ACL", "LOAD") == b"OK"
    assert r.execute_command("ACL", "USERS") == [b"carol", b"default"]
    path.write_text("user carol on\nuser carol off\nbogus\n")
    with pytest.raises(redis.ResponseError) as err:
        r.execute_command("ACL", "LOAD")
    assert str(err.value) == (
        "WARNING: Duplicate user 'carol' found on line 2. %s:3 should start with user keyword "
        "followed by the username. WARNING: ACL errors detected, no change to the previously "
        "active ACL rules was performed" % path)
    assert r.execute_command("ACL", "USERS") == [b"carol", b"default"]


def test_bad_aclfile_aborts_start(tmp_path):
    path = tmp_path / "bad.acl"
    path.write_text("user a on\nuser a off\n")
    with pytest.raises(RuntimeError) as err:
        start_pyredis("--aclfile", str(path))
    assert ("Aborting Redis startup because of ACL errors: WARNING: Duplicate user 'a' found on "
            "line 2.") in str(err.value)


def test_user_directives(start_with_config):
    proc = start_with_config("user default on >secret ~* &* +@all\n"
                             "user app on >apppw ~app:* +@read\n")
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=proc.port).ping()
    app = redis.Redis(port=proc.port, username="app", password="apppw")
    assert app.get("app:1") is None
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.get("other")
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.set("app:1", "x")
    admin = redis.Redis(port=proc.port, password="secret")
    assert admin.execute_command("ACL", "WHOAMI") == b"default"


def test_user_directive_errors(start_with_config):
    with pytest.raises(RuntimeError) as err:
        start_with_config("user bob on >x +@all foo\n")
    assert ">>> 'user bob on >x +@all foo'\nError in user declaration '>x': Syntax error" in str(err.value)
    with pytest.raises(RuntimeError) as err:
        start_with_config("user bob on\nuser bob off\n")
    assert "Duplicate user found. A user can only be defined once in config files" in str(err.value)


def test_requirepass_is_the_default_users_password(start_server):
    proc = start_server("--requirepass", "pw")
    r = redis.Redis(port=proc.port, password="pw")
    import hashlib
    assert r.acl_getuser("default")["passwords"] == [hashlib.sha256(b"pw").hexdigest()]
    r.config_set("requirepass", "")
    assert "nopass" in r.acl_getuser("default")["flags"]
    anonymous = redis.Redis(port=proc.port)
    assert anonymous.ping()
    r.execute_command("ACL", "SETUSER", "default", ">again")
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=proc.port).ping()


def test_disabled_user_cannot_authenticate(r):
    r.execute_command("ACL", "SETUSER", "off1", "off", ">pw", "+@all", "~*")
    try:
        with pytest.raises(redis.AuthenticationError):
            r.execute_command("AUTH", "off1", "pw")
    finally:
        r.execute_command("ACL", "DELUSER", "off1")


def test_reset_returns_to_the_default_user(r):
    r.execute_command("ACL", "SETUSER", "ru", "on", ">pw", "+@all", "~*")
    try:
        r.execute_command("AUTH", "ru", "pw")
        assert r.execute_command("ACL", "WHOAMI") == b"ru"
        r.execute_command("RESET")
        assert r.execute_command("ACL", "WHOAMI") == b"default"
    finally:
        r.execute_command("ACL", "DELUSER", "ru")
