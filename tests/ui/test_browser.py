"""End to end in a real headless Chromium against a running `docqa ui`.

Debian's Chromium driven by Playwright (browsers cannot be downloaded here; .ci/run installs
the `chromium` package). The server runs the tiny embedding model and no chat model, so the
answer is an extracted, cited one: deterministic, with a real source label to look for.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ui.conftest import BROKEN_PDF, PARSE_CORPUS, ROOT, SAMPLE_PDF

CHROMIUM = "/usr/bin/chromium"
# --disable-background-networking & co: the closed network refuses Chromium's own calls home.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ENCRYPTED_PDF = PARSE_CORPUS / "pdf" / "sf005-libreoffice-writer-password.pdf"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"docqa ui exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"docqa ui did not come up in {timeout_s:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def server(ui_env, tmp_path):
    port = _free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "ui", "--index", str(tmp_path / "index"), "--port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy(),
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url, log
    finally:
        proc.terminate()  # `docqa ui` exec'd streamlit: same process
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_upload_ask_and_see_a_cited_answer_in_chromium(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    url, log = server
    broken = tmp_path / "files" / "broken.pdf"
    broken.parent.mkdir()
    broken.write_bytes(BROKEN_PDF)
    files = [str(SAMPLE_PDF), str(broken)]
    if ENCRYPTED_PDF.exists():
        files.append(str(ENCRYPTED_PDF))
    shot = tmp_path / "docqa-ui.png"

    with sync_api.sync_playwright() as p:
        profile = tmp_path / "chromium-profile"  # an empty --user-data-dir
        ctx = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True,
            viewport={"width": 1440, "height": 1000},
        )
        try:
            page = ctx.new_page()
            page.goto(url, timeout=120_000)
            page.get_by_text("Your library is empty").wait_for(timeout=120_000)

            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files)
            page.get_by_text("broken.pdf could not be indexed").wait_for(timeout=300_000)
            page.get_by_text(f"{SAMPLE_PDF.name} · indexed · 5 pages").wait_for(timeout=60_000)
            if ENCRYPTED_PDF.exists():
                page.get_by_text("encrypted: password required").first.wait_for(timeout=60_000)

            page.locator('[data-testid="stChatInputTextArea"]').fill("What is the daily meal allowance?")
            page.keyboard.press("Enter")
            source = page.get_by_text(f"[1] {SAMPLE_PDF.name} · p.").first
            source.wait_for(timeout=180_000)
            answer = page.locator('[data-testid="stChatMessage"]').last
            # the sources line is drawn before the answer text: wait for the text's markers too
            answer.locator("sup.docqa-cite").first.wait_for(timeout=60_000)
            assert "Extracted from your documents" in answer.inner_text()

            # The sources expander shows the quoted sentence highlighted in its passage.
            answer.get_by_text("Sources and quoted passages").click()
            answer.locator("mark").first.wait_for(timeout=30_000)

            body = page.locator("body").inner_text()
            assert "Traceback" not in body
            assert page.locator('[data-testid="stException"]').count() == 0
            # The whole page in one image: grow the viewport to the content's height.
            height = page.evaluate(
                "() => Math.max(...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))"
            )
            page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, 4000)})
            page.wait_for_timeout(800)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            ctx.close()
    assert shot.stat().st_size > 10_000
    target = os.environ.get("DOCQA_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / shot.name)
