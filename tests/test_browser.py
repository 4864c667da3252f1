"""The course as a student meets it: JupyterLab in a real (headless) Chromium.

Starts JupyterLab from this environment on a free loopback port (once for the module), then, in
headless Chromium: opens notebook 6.2, runs all cells, moves the cross-correlation explorer's
stride slider with the keyboard; opens notebook 6.5, runs all cells, switches the pooling
explorer's mode dropdown from max to avg. Each test checks that the widget's text and picture
change, and saves a screenshot under reports/artifacts/.
It also builds the course site (scripts/build_site.py), serves it on a loopback port and checks
that a chapter 6 and a chapter 9 page show Chinese text, formulas typeset by MathJax and stored
plots, and that the search box finds "汇聚层". Screenshots need a CJK font (fonts-noto-cjk) to be
readable; .ci/run installs it with Chromium.
Skipped, with the reason, only where no Chromium is installed (`apt-get install chromium`).
"""
import functools
import http.server
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "reports" / "artifacts"
NOTEBOOKS = ("06_2_conv_layer.ipynb", "06_5_pooling.ipynb")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/api/status", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server over copies of the notebooks (so autosave cannot touch the originals)."""
    tmp_path = tmp_path_factory.mktemp("lab")
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, tmp_path / name)
    port = free_port()
    env = dict(os.environ, D2L_PROFILE="smoke", JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    log = open(tmp_path / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         "--LabApp.expose_app_in_browser=True", "--allow-root", f"--ServerApp.root_dir={tmp_path}"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def widget_image(page) -> str:
    """The src of the picture currently drawn inside the widget's output area."""
    return page.locator(".widget-output img").first.get_attribute("src")


def open_and_run_all(page, url: str, notebook: str) -> None:
    """Open a notebook in JupyterLab, wait for its kernel and run every cell."""
    # ?reset: a fresh workspace, so the notebook opened before is not restored beside this one and
    # the status bar (and "run all") refer to this notebook alone.
    page.goto(f"{url}/lab/tree/{notebook}?reset")
    page.wait_for_function("() => !!window.jupyterapp")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90_000)
    # Start "run all" without awaiting its promise: the checks that follow wait with time limits,
    # whereas awaiting the command could block the test with none.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def save_screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


def check_widget_reacts(page, url: str, notebook: str, shown: str, act, expected: str, screenshot: str) -> None:
    """Run a notebook, wait for the widget text ``shown``, call ``act(page)`` and expect ``expected``
    in the widget's text and a different picture; save a screenshot either way it ends."""
    from playwright.sync_api import expect

    try:
        open_and_run_all(page, url, notebook)
        widget_text = page.locator(".widget-output")
        expect(widget_text.filter(has_text=shown).first).to_be_visible(timeout=90_000)
        before = widget_image(page)
        assert before and before.startswith("data:image/png")
        act(page)
        expect(widget_text.filter(has_text=expected).first).to_be_visible(timeout=30_000)
        expect(page.locator(".widget-output img").first).not_to_have_attribute("src", before, timeout=30_000)
    finally:
        save_screenshot(page, screenshot)


def test_slider_responds_to_keyboard_in_jupyterlab(jupyterlab, page):
    def press_left_on_stride(page):  # stride 2 -> 1: the 3x3 output becomes 6x6
        page.locator(".widget-slider").filter(has_text="stride").locator(".noUi-handle").first.focus()
        page.keyboard.press("ArrowLeft")

    check_widget_reacts(page, jupyterlab, "06_2_conv_layer.ipynb", "output shape 3x3", press_left_on_stride,
                        "output shape 6x6", "browser-06_2-slider.png")


def test_dropdown_switches_pooling_mode_in_jupyterlab(jupyterlab, page):
    def choose_avg(page):
        page.locator(".widget-dropdown").filter(has_text="mode").locator("select").first.select_option("avg")

    check_widget_reacts(page, jupyterlab, "06_5_pooling.ipynb", "with max pooling", choose_avg,
                        "with avg pooling", "browser-06_5-dropdown.png")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output to the test results
        pass


@pytest.fixture(scope="module")
def course_site(tmp_path_factory):
    """The course site, built from the committed notebooks and served on a free loopback port."""
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
    build_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_site)
    out = tmp_path_factory.mktemp("site")
    result = build_site.build(out)
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
                                             functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("notebook, heading", [("06_3_padding_and_strides", "6.3 填充和步幅"),
                                               ("09_1_gru", "9.1 门控循环单元")])
def test_site_page_shows_chinese_formulas_and_plots(course_site, page, notebook, heading):
    from playwright.sync_api import expect

    try:
        page.goto(f"{course_site}/notebooks/{notebook}.html")
        expect(page.locator("h1").first).to_contain_text(heading)
        formula = page.locator("mjx-container").first  # present only once MathJax has typeset the page
        expect(formula).to_be_visible(timeout=30_000)
        assert formula.bounding_box()["width"] > 5
        plot = page.locator(".cell_output img").first
        plot.scroll_into_view_if_needed()
        expect(plot).to_be_visible()
        assert plot.evaluate("img => img.complete && img.naturalWidth") > 100
        formula.scroll_into_view_if_needed()
    finally:
        save_screenshot(page, f"site-{notebook}.png")


def test_site_search_finds_pooling_layer(course_site, page):
    from playwright.sync_api import expect

    try:
        page.on("pageerror", lambda error: pytest.fail(f"script error on the search page: {error}"))
        page.goto(f"{course_site}/index.html")
        page.keyboard.press("Control+k")  # the theme's search dialog
        box = page.locator("input[name='q']:visible").first
        box.fill("汇聚层")
        box.press("Enter")
        results = page.locator("#search-results a")
        expect(results.filter(has_text="6.5 汇聚层").first).to_be_visible(timeout=30_000)
    finally:
        save_screenshot(page, "site-search.png")
