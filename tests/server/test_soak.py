"""Soak: a mixed workload for a long time, then everything deleted: memory and server tables return.

    PYREDIS_SOAK_SECONDS=1800 python -m pytest -q -m slow tests/server/test_soak.py

The default slow run lasts a minute.  Worker threads use every type, blocking
pops, pub/sub, transactions, WATCH and expiry on their own connections, which
come and go; the server's RSS is sampled throughout.
"""
import os
import random
import threading
import time

import pytest
import redis

SECONDS = float(os.environ.get("PYREDIS_SOAK_SECONDS", "60"))
WORKERS = 6


def _rss(pid):
    with open("/proc/%d/statm" % pid) as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _work(port, seed, deadline, errors):
    rng = random.Random(seed)
    try:
        while time.time() < deadline:
            r = redis.Redis(port=port)
            for _ in range(200):
                k = "soak:%d:%d" % (seed, rng.randrange(500))
                op = rng.randrange(12)
                if op == 0:
                    r.set(k, "x" * rng.randrange(1, 2000), ex=rng.choice((None, 1, 60)))
                elif op == 1:
                    r.rpush(k + ":l", *[str(i) for i in range(rng.randrange(1, 50))])
                    r.lpop(k + ":l", rng.randrange(1, 10))
                elif op == 2:
                    r.hset(k + ":h", mapping={"f%d" % i: i for i in range(rng.randrange(1, 40))})
                elif op == 3:
                    r.sadd(k + ":s", *[rng.randrange(1000) for _ in range(20)])
                elif op == 4:
                    r.zadd(k + ":z", {"m%d" % i: rng.random() for i in range(30)})
                    r.zpopmin(k + ":z", 5)
                elif op == 5:
                    r.blpop([k + ":b"], timeout=0.01)
                elif op == 6:
                    p = r.pubsub()
                    p.subscribe("soak:%d" % seed)
                    r.publish("soak:%d" % seed, "m")
                    p.close()
                elif op == 7:
                    with r.pipeline(transaction=True) as pipe:
                        pipe.watch(k)
                        pipe.multi()
                        pipe.incr(k + ":n")
                        try:
                            pipe.execute()
                        except redis.WatchError:
                            # The watched key expired meanwhile: EXEC fails, as it should.
                            pass
                elif op == 8:
                    r.delete(k, k + ":l", k + ":h", k + ":s", k + ":z")
                elif op == 9:
                    r.pexpire(k + ":h", rng.randrange(1, 50))
                elif op == 10:
                    r.get(k)
                else:
                    r.execute_command("SCAN", 0, "COUNT", 20)
            r.close()
    except Exception as exc:  # noqa: BLE001 - the test reports any failure
        errors.append(exc)


def _round(port, seconds, errors):
    deadline = time.time() + seconds
    threads = [threading.Thread(target=_work, args=(port, seed, deadline, errors))
               for seed in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.mark.slow
def test_soak_returns_to_baseline(start_server):
    proc = start_server()
    admin = redis.Redis(port=proc.port)
    # A first full round brings the allocator to its working size; the baseline
    # is what is left after it, so growth measured later is what the server kept.
    errors = []
    _round(proc.port, max(30.0, SECONDS / 10), errors)
    admin.flushall()
    admin.execute_command("MEMORY", "PURGE")
    time.sleep(0.5)
    baseline = _rss(proc.proc.pid)
    deadline = time.time() + SECONDS
    threads = [threading.Thread(target=_work, args=(proc.port, seed, deadline, errors))
               for seed in range(WORKERS)]
    for t in threads:
        t.start()
    peak = baseline
    while any(t.is_alive() for t in threads):
        peak = max(peak, _rss(proc.proc.pid))
        time.sleep(1)
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    admin.flushall()
    admin.execute_command("MEMORY", "PURGE")
    time.sleep(1)
    info = admin.info()
    assert info["connected_clients"] == 1
    assert info["blocked_clients"] == 0
    assert admin.pubsub_numpat() == 0
    assert admin.execute_command("PUBSUB", "CHANNELS") == []
    after = _rss(proc.proc.pid)
    assert after <= baseline * 1.10, (baseline, peak, after)
