"""gunicorn settings for production and the benchmarks: `gunicorn -c gunicorn.conf.py afterschool.wsgi`.

The worker model was chosen by `make bench` (README, "Production server"): on 2 cores, sync
workers serve our pages closest to the framework's own ceiling; threads add nothing for pages that
spend their time in Python, not waiting. Each setting can be overridden from the environment
(GUNICORN_WORKERS_PER_CORE or GUNICORN_WORKERS, GUNICORN_WORKER_CLASS, GUNICORN_THREADS,
GUNICORN_BIND, GUNICORN_MAX_REQUESTS), which is how the benchmark compares models; GUNICORN_ACCESS_LOG
and GUNICORN_ERROR_LOG name log files.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# Two workers a core: one runs Python while the other waits on PostgreSQL. Cores are those this
# process may run on (taskset and container CPU sets included).
cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
workers = int(
    os.environ.get("GUNICORN_WORKERS") or int(os.environ.get("GUNICORN_WORKERS_PER_CORE", 2)) * cores
)
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# Enrollment day: up to a thousand parents at once wait in the listen queue, not refused.
backlog = int(os.environ.get("GUNICORN_BACKLOG", 2048))
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle a worker now and then so that a slow leak never grows; the jitter staggers restarts.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Standard error unless a file is named (deploy/systemd names var/log/gunicorn-error.log).
errorlog = os.environ.get("GUNICORN_ERROR_LOG") or "-"
# F13: the access log leaves query strings out (%(U)s is the path alone, not %(r)s the request line):
# the calendar feed's token and the gate's look-ups (names, mobiles) travel there. No referrer either.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(L)s'

# /metrics (afterschool/metrics.py): each worker writes its counters to files in this directory and
# a scrape adds up every worker's, whichever worker answers. Emptied when gunicorn starts; a dead
# worker's live gauges are dropped. The variable must be set before the workers import prometheus_client.
multiproc_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "var", "prometheus")
)


_multiprocess = None


def on_starting(server):
    # Imported here, once, after the directory is set (the forked workers then count per process);
    # not in child_exit, which runs in a signal handler and re-entered the import while gunicorn halted.
    global _multiprocess
    from prometheus_client import multiprocess

    _multiprocess = multiprocess
    os.makedirs(multiproc_dir, exist_ok=True)
    for name in os.listdir(multiproc_dir):
        if name.endswith(".db"):
            os.remove(os.path.join(multiproc_dir, name))


def child_exit(server, worker):
    if _multiprocess is not None:
        _multiprocess.mark_process_dead(worker.pid)
