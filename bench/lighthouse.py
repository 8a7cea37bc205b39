"""Lighthouse scores (performance, accessibility, best practices, SEO) of the
home, an episode, a character and a search page, on mobile and desktop, served
as production serves them: gunicorn, debug off, hashed and compressed static
files, the real content. Figures, not pass/fail; too slow for CI.

Needs Node and Debian's chromium; Lighthouse comes from npm (npx fetches it
once, or point LIGHTHOUSE at an installed binary):

    .venv/bin/python -m bench.lighthouse                 # table of scores
    .venv/bin/python -m bench.lighthouse --json out.json # and every failed audit
"""

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import FIXTURES
from tests.serving import gunicorn, manage, run_python, site_environment

CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "npx --yes lighthouse@12").split()
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES_CODE = """
import json
from characters.models import Character
from episodes.models import Episode
print(json.dumps({
    "home": "/",
    "episode": Episode.objects.in_order().first().get_absolute_url(),
    "character": Character.objects.get(title="James Blood").get_absolute_url(),
    "search": "/search/?q=mask",
}))
"""


def audit(url, form_factor, output):
    command = [
        *LIGHTHOUSE,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROME_PATH}, timeout=300)
    report = json.loads(Path(output).read_text())
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    failed = {
        audit_id: result["title"]
        for category in CATEGORIES
        for reference in report["categories"][category]["auditRefs"]
        if reference["weight"] > 0
        for audit_id, result in [(reference["id"], report["audits"][reference["id"]])]
        if result["score"] is not None and result["score"] < 1
    }
    metrics = {
        name: report["audits"][name]["displayValue"]
        for name in (
            "first-contentful-paint",
            "largest-contentful-paint",
            "total-blocking-time",
            "cumulative-layout-shift",
        )
    }
    return scores, failed, metrics


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write every score, metric and failed audit here")
    parser.add_argument("--reports", help="keep Lighthouse's own reports (JSON) in this directory")
    parser.add_argument("--pages", nargs="*", help="only these pages (home, episode, character, search)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        env = site_environment(
            Path(directory) / "wiki.sqlite3",
            DJANGO_STATIC_MANIFEST="1",
            DJANGO_STATIC_ROOT=str(Path(directory) / "static"),
        )
        manage(env, "migrate", "--verbosity=0")
        manage(env, "loaddata", *FIXTURES, "--verbosity=0")
        manage(env, "collectstatic", "--noinput", "--verbosity=0")
        pages = json.loads(run_python(env, PAGES_CODE))
        if arguments.pages:
            pages = {name: path for name, path in pages.items() if name in arguments.pages}
        reports = Path(arguments.reports or directory)
        reports.mkdir(parents=True, exist_ok=True)
        results = []
        with gunicorn(env, workers=2) as port:
            for name, path in pages.items():
                for form_factor in ("mobile", "desktop"):
                    output = reports / f"{name}-{form_factor}.json"
                    scores, failed, metrics = audit(f"http://127.0.0.1:{port}{path}", form_factor, output)
                    results.append(
                        {
                            "page": name,
                            "form_factor": form_factor,
                            "scores": scores,
                            "failed": failed,
                            **metrics,
                        }
                    )
                    print(
                        f"{name:10} {form_factor:8} "
                        + " ".join(f"{category} {scores[category]:3}" for category in CATEGORIES)
                        + (f"  failed: {', '.join(failed)}" if failed else "")
                    )
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
