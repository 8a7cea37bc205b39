"""Headless Chromium (Debian's package) driven by Playwright against Django's live server.

These tests need /usr/bin/chromium; `.ci/run` installs it. A missing browser is
an error, never a silent skip.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import FIXTURES

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TOOLS = Path(__file__).resolve().parent / "node_modules"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# the live server and fixtures are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package (`.ci/run` does)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    """The live server with the real content loaded; returns its base URL."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    return live_server.url


@pytest.fixture
def page(browser):
    """A fresh browser tab that fails the test on any console error or page error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors = []
    tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.console_errors = errors
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_script():
    path = TOOLS / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.fail(f"{path} is missing; run `npm ci --prefix tests/browser` (`make test` does).")
    return path


@pytest.fixture(scope="session")
def vnu_jar():
    path = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not path.exists():
        pytest.fail(f"{path} is missing; run `npm ci --prefix tests/browser` (`make test` does).")
    if not shutil.which("java"):
        pytest.fail(
            "java is not installed; the Nu HTML checker needs a Java runtime (`.ci/run` installs one)."
        )
    return path


def save_screenshot(tab, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path
