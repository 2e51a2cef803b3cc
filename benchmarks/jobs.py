"""Runs benchmark jobs, each in its own process, skipping those whose metrics exist,
so an interrupted benchmark resumes where it stopped."""

import concurrent.futures
import json
import os
import subprocess
import sys


def write_metrics(path, metrics):
    """Writes `metrics` as JSON at `path` through a temporary file: a killed run leaves
    no half-written file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(metrics, f, indent=2)
    os.replace(path + ".tmp", path)


def run_missing(todo, path_of, command_of, log_dir, jobs):
    """Runs `command_of(job)` (an argv list) for every job of `todo` whose
    `path_of(job)` does not exist yet, `jobs` at a time, each logging to its own file
    in `log_dir`."""
    missing = [job for job in todo if not os.path.exists(path_of(job))]
    print(f"{len(todo) - len(missing)} runs present, {len(missing)} to train", flush=True)

    def launch(job):
        log = os.path.join(log_dir, "-".join(map(str, job)) + ".log")
        os.makedirs(log_dir, exist_ok=True)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        with open(log, "w") as f:
            code = subprocess.call([sys.executable, *command_of(job)], stdout=f, stderr=subprocess.STDOUT, env=env)
        print(f"{'done' if code == 0 else f'FAILED ({code}, see {log})'}: {job}", flush=True)

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(launch, missing))


def load_results(todo, path_of):
    """`{job: metrics}` of the jobs of `todo` whose metrics file exists."""
    return {job: json.load(open(path_of(job))) for job in todo if os.path.exists(path_of(job))}


def publish(report, notes, out):
    """Appends each markdown file of `notes` to `report`, writes it to `out` (if
    given) and prints it."""
    for path in notes:
        with open(path) as f:
            report += "\n" + f.read()
    if out:
        with open(out, "w") as f:
            f.write(report)
    print(report)
