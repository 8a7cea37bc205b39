"""SQLite under load: reader threads fetch pages from gunicorn while writer
processes edit one page and add rows, for a fixed time. Every edit runs in
its own transaction and reads before it writes (read-modify-write), so a lost
update or a "database is locked" error would show in the counts.

    .venv/bin/python -m bench.concurrency --seconds 60
"""

import argparse
import dataclasses
import itertools
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.serving import BASE_DIR, get, gunicorn, manage, run_python, site_environment

SETUP = """
import json
from tests.factories import AppearanceFactory, CharacterFactory, EpisodeFactory, SeasonFactory
shared = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
season = SeasonFactory(number=1)
episodes = [EpisodeFactory(season=season, number=n, number_overall=n) for n in range(1, 13)]
for episode in episodes:
    AppearanceFactory(episode=episode, character=shared)
others = [CharacterFactory() for _ in range(20)]
print(json.dumps({
    "shared_pk": shared.pk,
    "urls": [shared.get_absolute_url(), episodes[0].get_absolute_url(), season.get_absolute_url(),
             "/characters/", "/episodes/", others[0].get_absolute_url()],
}))
"""

WRITER = """
import json, sys, time
from django.db import transaction
from wiki.models import Category
from characters.models import Character
writer, seconds, pk = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
edits, errors = 0, []
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        with transaction.atomic():
            page = Character.objects.get(pk=pk)
            page.lead += f" w{writer}e{edits}."
            page.save()
            Category.objects.create(name=f"Edit {writer}-{edits}", slug=f"edit-{writer}-{edits}")
        edits += 1
    except Exception as error:
        errors.append(repr(error))
print(json.dumps({"edits": edits, "errors": errors[:20]}))
"""

COUNT = """
import json, re, sys
from wiki.models import Category
from characters.models import Character
lead = Character.objects.get(pk=int(sys.argv[1])).lead
print(json.dumps({
    "rows": Category.objects.filter(slug__startswith="edit-").count(),
    "markers": re.findall(r" w(\\d+)e(\\d+)\\.", lead),
}))
"""


@dataclasses.dataclass
class Result:
    seconds: float
    reads: int = 0
    edits: int = 0
    edits_found: int = 0
    markers_missing: int = 0
    read_errors: list = dataclasses.field(default_factory=list)
    write_errors: list = dataclasses.field(default_factory=list)

    def summary(self):
        return (
            f"{self.seconds:.0f} s: {self.reads} page reads ({self.reads / self.seconds:.0f}/s), "
            f"{self.edits} edits ({self.edits / self.seconds:.0f}/s), {self.edits_found} edits found, "
            f"{self.markers_missing} lost updates, {len(self.read_errors)} read errors, "
            f"{len(self.write_errors)} write errors"
        )


def prepare_site(directory):
    """A migrated SQLite site with a shared page; returns (environment, page URLs)."""
    env = site_environment(Path(directory) / "wiki.sqlite3")
    manage(env, "migrate", "--noinput")
    setup = json.loads(run_python(env, SETUP).strip().splitlines()[-1])
    env["BENCH_SHARED_PK"] = str(setup["shared_pk"])
    return env, setup["urls"]


def python_process(env, code, *args):
    return subprocess.Popen(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}", *map(str, args)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def hammer(env, urls, seconds=60, readers=8, writers=2, log_path=None):
    shared_pk = env["BENCH_SHARED_PK"]
    result = Result(seconds=seconds)
    lock = threading.Lock()
    with gunicorn(env, workers=4, log_path=log_path) as port:
        for url in urls:
            status, _, _ = get(port, url)
            if status != 200:
                raise RuntimeError(f"{url} answered {status} before the run started")

        deadline = time.monotonic() + seconds

        def read(offset):
            for url in itertools.islice(itertools.cycle(urls), offset, None):
                if time.monotonic() >= deadline:
                    return
                try:
                    status, _, _ = get(port, url)
                    error = None if status == 200 else f"{url}: HTTP {status}"
                except OSError as exc:
                    error = f"{url}: {exc!r}"
                with lock:
                    result.reads += 1
                    if error:
                        result.read_errors.append(error)

        writer_processes = [python_process(env, WRITER, n, seconds, shared_pk) for n in range(writers)]
        threads = [threading.Thread(target=read, args=(n,)) for n in range(readers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for process in writer_processes:
            stdout, stderr = process.communicate(timeout=seconds + 60)
            if process.returncode != 0:
                result.write_errors.append(stderr[-2000:])
                continue
            report = json.loads(stdout.strip().splitlines()[-1])
            result.edits += report["edits"]
            result.write_errors.extend(report["errors"])

    found = json.loads(
        run_python(env, f"import sys; sys.argv[1:] = ['{shared_pk}']\n{COUNT}").splitlines()[-1]
    )
    result.edits_found = found["rows"]
    markers = {(int(w), int(e)) for w, e in found["markers"]}
    result.markers_missing = result.edits - len(markers)
    return result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--writers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        env, urls = prepare_site(directory)
        log = Path(directory) / "gunicorn.log"
        result = hammer(env, urls, args.seconds, args.readers, args.writers, log_path=log)
        locked = log.read_text().count("database is locked")
    print(result.summary())
    print(f'"database is locked" in the server log: {locked} times')
    for error in (result.read_errors + result.write_errors)[:10]:
        print("error:", error)


if __name__ == "__main__":
    main()
