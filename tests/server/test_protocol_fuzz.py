"""Random bytes on many connections: the server survives and other clients are unaffected."""
import random
import socket
import threading

import redis


def _garbage(port, seed, rounds):
    rng = random.Random(seed)
    for _ in range(rounds):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                for _ in range(rng.randrange(1, 5)):
                    s.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))))
                s.settimeout(0.05)
                try:
                    s.recv(65536)
                except (socket.timeout, OSError):
                    pass
        except OSError:
            pass


def test_random_bytes_do_not_disturb_others(start_server):
    proc = start_server()
    good = redis.Redis(port=proc.port)
    threads = [threading.Thread(target=_garbage, args=(proc.port, seed, 30)) for seed in range(16)]
    for t in threads:
        t.start()
    for i in range(300):
        good.set("k%d" % i, i)
        assert good.get("k%d" % i) == str(i).encode()
    for t in threads:
        t.join()
    assert good.ping()
    assert good.dbsize() >= 300
    assert proc.proc.poll() is None


def test_normal_client_output_limit_closes_slow_reader(start_server):
    proc = start_server("--client-output-buffer-limit", "normal 1mb 0 0")
    good = redis.Redis(port=proc.port)
    good.set("big", "x" * 100000)
    slow = socket.create_connection(("127.0.0.1", proc.port))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(b"GET big\r\n" * 200)
    import time
    deadline = time.time() + 10
    while "overcoming of output buffer limits" not in proc.log():
        assert time.time() < deadline, proc.log()
        time.sleep(0.05)
    while len(good.client_list()) != 1:
        assert time.time() < deadline
        time.sleep(0.05)
    slow.close()
