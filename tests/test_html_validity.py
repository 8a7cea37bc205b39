"""Every kind of page is valid HTML according to the Nu HTML Checker (vnu.jar),
run once over all of them because the checker is slow to start."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.reader_pages import reader_pages

TOOLS = Path(__file__).resolve().parent / "browser" / "node_modules"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture
def vnu():
    if not VNU_JAR.exists():
        pytest.fail(f"{VNU_JAR} is missing; run `npm ci --prefix tests/browser` (`make test` does).")
    if not shutil.which("java"):
        pytest.fail("java is not installed; the Nu HTML checker needs a Java runtime.")
    return VNU_JAR


def test_every_page_kind_is_valid_html(client, content, vnu, tmp_path):
    urls = {}
    for page in reader_pages():
        response = client.get(page.url)
        assert response.status_code == page.status, page.url
        (tmp_path / f"{page.name}.html").write_bytes(response.content)
        urls[page.name] = page.url
    result = subprocess.run(
        ["java", "-jar", str(vnu), "--format", "json", "--errors-only", *sorted(tmp_path.glob("*.html"))],
        capture_output=True,
        text=True,
        timeout=180,
    )
    messages = json.loads(result.stderr)["messages"]
    problems = [
        f"{urls[Path(message['url']).stem]} line {message.get('lastLine')}: {message['message']}"
        f" [{message.get('extract', '').strip()}]"
        for message in messages
    ]
    assert not problems, "\n".join(problems)
