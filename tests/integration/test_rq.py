"""RQ against pyredis: enqueue, a burst worker, results, failures and scheduling."""
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from . import jobs


def _worker(queue, connection):
    """A burst worker without its control channel.

    RQ's worker listens for commands in a redis-py pub/sub thread that waits
    up to 60 s for a subscription; when the worker unsubscribes before that
    thread reads again, stopping it waits the full minute, whatever server
    answers.  Burst runs in tests do not need the channel.
    """
    worker = SimpleWorker([queue], connection=connection)
    worker.subscribe = lambda: None
    return worker


def test_enqueue_and_burst_worker(scripting, pyredis_client):
    queue = Queue("default", connection=pyredis_client)
    ok = queue.enqueue(jobs.add, 2, 3)
    bad = queue.enqueue(jobs.fail)
    assert queue.count == 2
    worker = _worker(queue, pyredis_client)
    assert worker.work(burst=True) is True
    ok.refresh()
    bad.refresh()
    assert ok.get_status() == JobStatus.FINISHED
    assert ok.return_value() == 5
    assert bad.get_status() == JobStatus.FAILED
    assert "boom" in bad.latest_result().exc_string
    assert queue.count == 0
    assert queue.failed_job_registry.count == 1


def test_result_ttl_expires_with_the_server_clock(scripting, pyredis_client, pyredis_clock):
    queue = Queue("short", connection=pyredis_client)
    job = queue.enqueue(jobs.add, 1, 1, result_ttl=60)
    _worker(queue, pyredis_client).work(burst=True)
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert Job.exists(job.id, connection=pyredis_client)
    pyredis_clock.advance(61)
    assert not Job.exists(job.id, connection=pyredis_client)
