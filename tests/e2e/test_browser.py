"""The student's side in a real browser: JupyterLab 4 in headless Chromium runs the lab; then the feedback page.

A student opens the notebook (answered as the solution answers), runs every cell from the
Run menu and reads the page; then opens the feedback page that ``grade`` wrote for one
submission. And a student's first contact, offline, with no data: the freshly released
notebooks open unmodified, trusted in Notebook 7 and without nbgrader's instructor tools, their data cells end with one
clean message, whose command writes the twin where the notebook and ``check`` (run from the
project's root) then find it. The instructor opens the class report, and the similar submissions of a class
with two pairs of copies, and a class report and a feedback page written from hostile names, notes
and hints, in which nothing runs. Screenshots go to ``$MOVIELENS_SCREENSHOTS`` (default ``out/screenshots``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import tokenize
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from test_student_notebook import RESTART

from fixtures.corpus import CASES, POINTS, completed
from fixtures.gradingdir import BONUS, SECTIONS, Known, write_grading_folder
from fixtures.offline import offline_env
from fixtures.similarclass import write_similar_class
from movielens_lab.config import lab_settings
from movielens_lab.files import atomic_write
from movielens_lab.grading.course import release
from movielens_lab.grading.executed import is_test
from movielens_lab.grading.grade import grade
from movielens_lab.grading.judge.spec import section_titles, split_hidden
from movielens_lab.grading.outputs import feedback
from movielens_lab.grading.report.report import report
from movielens_lab.paths import LAB, LAB_2, SOLUTION_NOTEBOOK

pytestmark = pytest.mark.slow  # JupyterLab runs the whole lab in Chromium: minutes

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000")
NOTEBOOK = "movielens_lab.ipynb"
RUN_TIMEOUT = 900
"""Seconds for Run All: about 40 s on the small twin, far more on a busy machine."""
LAB_SETTINGS = {
    # every cell stays in the page (no virtual scrolling), and no news or update pop-ups
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                      "checkForUpdates": False},
}
OUTPUT = ".jp-Notebook .jp-OutputArea-output"
STDERR = OUTPUT + "[data-mime-type='application/vnd.jupyter.stderr']"
SCORE = re.compile(r"^(\d+)\. .+?: (\d+(?:\.\d+)?)/(\d+(?:\.\d+)?) points, (.+)$", re.MULTILINE)
MISTAKE = "first_75_percent"


def _wait(driver: WebDriver, condition: Callable[[WebDriver], object], timeout: float, what: str) -> object:
    """``condition``'s first truthy value, or a failed test saying what did not happen."""
    try:
        ignored = (NoSuchElementException, StaleElementReferenceException)
        return WebDriverWait(driver, timeout, poll_frequency=1, ignored_exceptions=ignored).until(condition)
    except TimeoutException:
        pytest.fail(f"{what} did not happen within {timeout:g} s", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_env(**extra: str) -> dict[str, str]:
    """The environment of a student's shell: none of the test suite's TensorFlow, warning or pytest settings.

    (ipykernel stops forwarding what is written to file descriptor 2 into the cells under pytest.)
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_", "PYTEST_")) and k not in ("PYTHONWARNINGS", "MOVIELENS_DIR")}
    return {**env, "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]), **extra}


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = Path(os.environ.get("MOVIELENS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "out" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}", file=sys.__stdout__, flush=True)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium; a failed test with the one-line reason when it cannot start."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except (WebDriverException, OSError) as err:
        pytest.fail(f"Chromium cannot start ({CHROMIUM}, {CHROMEDRIVER}): {str(err).strip().splitlines()[0]}",
                    pytrace=False)
    yield driver
    driver.quit()


def _start_lab(folder: Path, home: Path, notebook: str = NOTEBOOK, **env: str) -> tuple[subprocess.Popen, str]:
    """JupyterLab serving ``folder`` on a free port of 127.0.0.1 (with ``env`` on top of a student's environment),
    and the URL of ``notebook`` (a path in ``folder``) with its token."""
    for name, values in LAB_SETTINGS.items():
        path = home / "lab-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = _default_env(JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"), JUPYTER_CONFIG_DIR=str(home / "config"),
                       JUPYTER_RUNTIME_DIR=str(home / "runtime"), **env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={folder}"],
        cwd=folder, env=env, stdout=(home / "jupyterlab.log").open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok:
                return proc, f"{base}/lab/tree/{notebook}?token={token}"
        except requests.ConnectionError:
            time.sleep(0.5)
    proc.kill()
    log = (home / "jupyterlab.log").read_text(errors="replace").strip().splitlines()
    pytest.fail(f"JupyterLab did not start: {log[-1] if log else 'no output'}", pytrace=False)


def _texts(driver: WebDriver, selector: str) -> list[str]:
    """The text of every element matching ``selector``, read at one instant (the page keeps re-rendering)."""
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText)",
                                 selector)


def _prompts(driver: WebDriver) -> list[str]:
    return [text.strip() for text in _texts(driver, ".jp-Notebook .jp-CodeCell .jp-InputPrompt")]


def _click(driver: WebDriver, by: str, selector: str) -> None:
    _wait(driver, lambda d: d.find_element(by, selector).is_displayed(), 30, f"{selector} showing")
    driver.find_element(by, selector).click()


def _run_all(driver: WebDriver) -> None:
    """Run ▸ Run All Cells, as a student does; wait until no cell is queued or running."""
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']"),
          120, "the kernel starting")
    before = _prompts(driver)
    _click(driver, By.XPATH, "//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='Run']")
    _click(driver, By.CSS_SELECTOR, "li.lm-Menu-item[data-command='runmenu:run-all']")
    _wait(driver, lambda d: any(p.startswith("[*]") for p in _prompts(d)) or _prompts(d) != before, 30,
          "Run All starting the cells")  # a run that stops at once may end between two looks
    _wait(driver, lambda d: not any(p.startswith("[*]") for p in _prompts(d)), RUN_TIMEOUT, "Run All finishing")


CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
"""The notebook on show (JupyterLab keeps the other open notebooks' cells in the page, hidden)."""
CHECK_LINE = re.compile(r"^\d+\. .+ \d+(?:\.\d+)? / \d+(?:\.\d+)?\s+(passed|FAILED)")


def _code_cells(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, CURRENT + " .jp-CodeCell")


def _outputs(cell: WebElement) -> list[tuple[str | None, str]]:
    """A cell's outputs: (mime type, text) each."""
    return [(o.get_attribute("data-mime-type"), o.text)
            for o in cell.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")]


def _open(driver: WebDriver, url: str) -> None:
    """Open a notebook and wait until its kernel is idle and the page has settled."""
    driver.get(url)
    _wait(driver, lambda d: len(_code_cells(d)) > 5, 120, "the notebook opening")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']"),
          120, "the kernel starting")
    time.sleep(2)  # the kernel's info (its language_info) reaches the notebook's model


@pytest.fixture(scope="module")
def lab_page(browser: WebDriver, small_twin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """The completed lab, opened in JupyterLab and run from its Run menu."""
    folder, home = tmp_path_factory.mktemp("student"), tmp_path_factory.mktemp("jupyter-home")
    nbformat.write(completed(), folder / NOTEBOOK)
    proc, url = _start_lab(folder, home, MOVIELENS_DIR=str(small_twin.parent))
    try:
        browser.get(url)
        _wait(browser, lambda d: len(_prompts(d)) > 10, 120, "the notebook opening")
        _run_all(browser)
        yield browser
    finally:
        proc.terminate()
        proc.wait(timeout=30)




def test_every_cell_ran_without_an_error_or_red_text(lab_page: WebDriver, screenshots: Path) -> None:
    lab_page.execute_script("arguments[0].scrollIntoView()", lab_page.find_element(By.CSS_SELECTOR, ".jp-Cell"))
    lab_page.save_screenshot(screenshots / "notebook_top.png")
    assert all(re.fullmatch(r"\[\d+\]:", p) for p in _prompts(lab_page)), _prompts(lab_page)
    assert not _texts(lab_page, STDERR)
    assert not [text for text in _texts(lab_page, OUTPUT) if "Traceback" in text or "Error" in text]


def test_the_setup_cell_prints_its_one_line(lab_page: WebDriver) -> None:
    setup = lab_page.find_element(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
    outputs = setup.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")
    assert [o.get_attribute("data-mime-type") for o in outputs] == ["application/vnd.jupyter.stdout"]
    assert re.fullmatch(r"TensorFlow \S+ \| Keras \S+ \| (CPU|GPU)", outputs[0].text.strip())


def test_every_test_cell_shows_full_points(lab_page: WebDriver) -> None:
    scores = SCORE.findall("\n".join(_texts(lab_page, OUTPUT)))
    assert [int(number) for number, *_ in scores] == list(range(1, 12)), scores
    assert all(got == total and verdict == "all checks passed" for _, got, total, verdict in scores), scores


def test_each_test_cell_shows_its_summary_once_and_no_stray_number(lab_page: WebDriver, screenshots: Path) -> None:
    """The points are the test cell's value, which nbgrader reads (a number) and JupyterLab shows as the summary."""
    cells = lab_page.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
    outputs = [_outputs(cell) for cell in cells]
    tests = [shown for shown in outputs if any(SCORE.search(text) for _, text in shown)]
    assert len(tests) == len(POINTS)
    first = cells[outputs.index(tests[0])]
    lab_page.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
    first.screenshot(str(screenshots / "test_cell.png"))
    assert all([mime for mime, _ in shown] == ["text/html"] and SCORE.fullmatch(shown[0][1].strip()) for shown in tests)
    assert not [text for shown in outputs for _, text in shown if re.fullmatch(r"\d+(\.\d+)?", text.strip())]


def test_the_three_figures_render_as_images(lab_page: WebDriver, screenshots: Path) -> None:
    images = lab_page.find_elements(By.CSS_SELECTOR, OUTPUT + " img")
    assert len(images) == 3
    assert all(lab_page.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 100
               for img in images)
    images[1].screenshot(str(screenshots / "learning_curves.png"))


def _progress_bar(driver: WebDriver) -> WebElement:
    """The one output that holds an ipywidgets progress bar."""
    found = [o for o in driver.find_elements(By.CSS_SELECTOR, OUTPUT)
             if o.find_elements(By.CSS_SELECTOR, ".jupyter-widgets.widget-hprogress")]
    assert len(found) == 1, "the sweep's progress bar is not a Jupyter widget"
    return found[0]


def test_the_sweep_progress_bar_is_a_widget(lab_page: WebDriver, screenshots: Path) -> None:
    bar = _progress_bar(lab_page)
    assert "emb_dim" in bar.text and "9/9" in bar.text, bar.text
    filled = bar.find_element(By.CSS_SELECTOR, ".widget-hprogress .progress-bar").get_attribute("style")
    assert "width: 100%" in filled, filled
    others = [o.text for o in lab_page.find_elements(By.CSS_SELECTOR, OUTPUT) if o != bar]
    assert not [text for text in others if "IProgress" in text or "emb_dim: " in text]  # no text fallback
    bar.screenshot(str(screenshots / "progress_bar.png"))


@pytest.fixture(scope="module")
def graded(small_twin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grading folder of a completed lab with one classic mistake and a blank one."""
    folder, out = tmp_path_factory.mktemp("submissions"), tmp_path_factory.mktemp("graded")
    nbformat.write(CASES[MISTAKE].build(), folder / "alice.ipynb")
    nbformat.write(CASES["blank"].build(), folder / "bob.ipynb")
    assert grade(folder, out=out, data_dir=small_twin.parent) == 0
    return out


@pytest.fixture(scope="module")
def feedback_html(graded: Path) -> Path:
    """The feedback page ``grade`` wrote for the student with one classic mistake."""
    return graded / "students" / "alice" / "feedback.html"


def test_the_feedback_page_shows_each_sections_points_and_no_hidden_code(
        browser: WebDriver, feedback_html: Path, screenshots: Path) -> None:
    browser.get(feedback_html.as_uri())
    browser.save_screenshot(screenshots / "feedback.png")
    rows = {row.find_element(By.TAG_NAME, "strong").text: row.find_element(By.CSS_SELECTOR, "td.pts").text
            for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr")}
    titles, bonus, earned = section_titles(_solution()), lab_settings(assignment=LAB).bonus, CASES[MISTAKE].expected()
    assert bonus == ["test_bonus_sweep"] and titles["test_bonus_sweep"].startswith("11. Bonus: ")  # no "(bonus)"
    assert rows == {titles[gid]: f"{earned[gid]:g} / {points:g}" for gid, points in POINTS.items()}
    total = sum(v for gid, v in earned.items() if gid not in bonus)
    text = browser.find_element(By.TAG_NAME, "body").text
    assert f"Score: {total:g} / 100 + bonus 10 / 10" in text
    (hint,) = CASES[MISTAKE].hints.values()
    assert hint in text and " points, some checks failed" not in text  # the hint, not the test's own summary
    leaked = _hidden_names() & set(re.findall(r"\w+", browser.page_source))
    assert not leaked


def _solution() -> nbformat.NotebookNode:
    return nbformat.read(SOLUTION_NOTEBOOK, as_version=4)


def _hidden_names() -> set[str]:
    """The private names of the hidden tests' code (``_REPAIR``, ``_ridge_ok``, ...): the page must show none."""
    code = "\n".join(split_hidden(cell.source)[1] for cell in _solution().cells if is_test(cell))
    tokens = tokenize.generate_tokens(iter(code.splitlines(keepends=True)).__next__)
    names = {tok.string for tok in tokens if tok.type == tokenize.NAME and tok.string.startswith("_")}
    assert len(names) > 10
    return names


def test_the_class_report_opens_from_disk_with_its_figures_and_the_common_mistake(
        browser: WebDriver, graded: Path, screenshots: Path) -> None:
    browser.get((graded / "report.html").as_uri())
    browser.save_screenshot(screenshots / "report.png")
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) == 2
    for image in images:  # drawn, from the page itself, with a text alternative
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 100
        assert image.get_attribute("src").startswith("data:image/png") and image.get_attribute("alt")
    text = browser.find_element(By.TAG_NAME, "body").text
    (hint,) = CASES[MISTAKE].hints.values()
    assert hint in text and "students 2" in text and "graded by the last run 2" in text
    assert "offline twin (synthetic)" in text
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert not [r for r in resources if not r.startswith("data:")]



@pytest.fixture(scope="module")
def first_contact(browser: WebDriver,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebDriver, Path, Callable[[str], str]]]:
    """A student's copy of the project, offline and without data: the notebooks just released into notebooks/,
    JupyterLab started at the project's root, no $MOVIELENS_DIR, every download refused (a proxy on a closed port
    of 127.0.0.1). The browser, the project's root, and the URL of a notebook of notebooks/ by its name."""
    root, home = tmp_path_factory.mktemp("project").resolve(), tmp_path_factory.mktemp("jupyter-home")
    for assignment in (LAB, LAB_2):
        release(assignment=assignment, course_dir=tmp_path_factory.mktemp("course"),
                student=root / "notebooks" / f"{assignment}.ipynb")
    proc, url = _start_lab(root, home, f"notebooks/{NOTEBOOK}", **offline_env())
    try:
        yield browser, root, lambda name: url.replace(f"/{NOTEBOOK}?", f"/{name}?")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_released_notebook_opens_unmodified_and_without_instructor_tools(first_contact, screenshots: Path) -> None:
    """nbgrader's Validate (which calls every section failed: a released test cell holds only the visible checks),
    its menu and its Create Assignment panel are not in the student's JupyterLab; `check` is the student's."""
    driver, _, url = first_contact
    _open(driver, url(NOTEBOOK))
    driver.save_screenshot(screenshots / "first_contact_opened.png")
    assert not driver.find_elements(By.CSS_SELECTOR, ".lm-TabBar-tab.jp-mod-dirty")  # no unsaved-changes dot
    menus = _texts(driver, ".lm-MenuBar-itemLabel")
    assert "Kernel" in menus and "Nbgrader" not in menus, menus
    toolbar = [text.strip() for text in _texts(driver, ".jp-NotebookPanel-toolbar .jp-Toolbar-item")]
    assert "Python 3 (ipykernel)" in toolbar and "Validate" not in toolbar, toolbar
    titles = driver.execute_script("return Array.from(document.querySelectorAll('.lm-TabBar-tab'), "
                                   "e => e.getAttribute('title') || '')")
    assert any(t.startswith("Table of Contents") for t in titles) and not [t for t in titles if "Assignment" in t]
    menu, item = RESTART.split(" → ")
    _click(driver, By.XPATH, f"//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='{menu}']")
    assert item in _texts(driver, ".lm-Menu .lm-Menu-itemLabel")  # the notebooks' prose names it so
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)


def _notebook_7_trust(driver: WebDriver, url: str) -> str:
    """What Notebook 7's trust indicator says of the notebook at ``url`` (a JupyterLab URL of the same server)
    once its cells are in the page."""
    driver.get(url.replace("/lab/tree/", "/notebooks/", 1))
    _wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")) > 5, 120,
          "the notebook opening in Notebook 7")
    time.sleep(2)  # the indicator follows the model's content as it loads
    return driver.find_element(By.CSS_SELECTOR, ".jp-NotebookTrustedStatus").text


def test_a_released_notebook_opens_trusted_in_notebook_7_and_outputs_from_elsewhere_do_not(
        first_contact, screenshots: Path) -> None:
    """No released cell has an output, so nothing in it is untrusted: Notebook 7 says "Trusted" on a fresh machine
    (whose notary knows no signature of the instructor's), and shows none of nbgrader's tools either. A copy
    holding an HTML output made elsewhere stays "Not Trusted", and its HTML shows sanitized: its script does not run."""
    driver, root, url = first_contact
    assert _notebook_7_trust(driver, url(NOTEBOOK)) == "Trusted"
    driver.save_screenshot(screenshots / "first_contact_notebook_7.png")
    menus = _texts(driver, ".lm-MenuBar-itemLabel")
    assert "Kernel" in menus and "Nbgrader" not in menus, menus
    toolbar = [text.strip() for text in _texts(driver, ".jp-NotebookPanel-toolbar .jp-Toolbar-item")]
    assert "Python 3 (ipykernel)" in toolbar and "Validate" not in toolbar, toolbar
    nb = nbformat.read(root / "notebooks" / NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": f"<b>made elsewhere</b>{HOSTILE[1]}",
                                                            "text/plain": "made elsewhere"})]
    nbformat.write(nb, root / "notebooks" / "from_elsewhere.ipynb")
    assert _notebook_7_trust(driver, url("from_elsewhere.ipynb")) == "Not Trusted"
    assert "made elsewhere" in _texts(driver, OUTPUT) and driver.execute_script(f"return {MARK}") is None
    driver.save_screenshot(screenshots / "notebook_7_output_from_elsewhere.png")


@pytest.mark.parametrize("assignment", [LAB, LAB_2])
def test_offline_without_data_the_data_cell_ends_with_one_clean_message(first_contact, screenshots: Path,
                                                                        assignment: str) -> None:
    driver, root, url = first_contact
    _open(driver, url(f"{assignment}.ipynb"))
    _run_all(driver)
    setup, data, *later = _code_cells(driver)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                          data.find_element(By.CSS_SELECTOR, ".jp-OutputArea"))
    driver.save_screenshot(screenshots / f"first_contact_offline_{assignment}.png")
    folder = root / "notebooks" / "data"
    ((mime, message),) = _outputs(data)  # one output: the message, nothing else
    assert mime == "application/vnd.jupyter.stderr"
    assert message.splitlines() == [
        "MovieLens 1M is not here, and it could not be downloaded from GroupLens (ProxyError).",
        f"This cell looked for ml-1m/ in a data/ folder in {root / 'notebooks'} or in a folder above it "
        "(MOVIELENS_DIR is not set).",
        "To work offline, write the synthetic twin of the data set where this notebook reads it; in a terminal:",
        f"    python -m movielens_lab data twin --data-dir {folder}",
        "then run this cell again (or set MOVIELENS_DIR to a folder that holds ml-1m/)."]
    shown = "\n".join(_texts(driver, CURRENT + " .jp-OutputArea-output"))
    for noise in ("Traceback", "SystemExit", "%tb", "UserWarning", "To exit", "Error:"):
        assert noise not in shown
    assert _outputs(setup) and all(cell.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").text.strip() == "[ ]:"
                                   for cell in later)  # Run All stopped there
    assert not folder.exists() and not (root / "data").exists()  # no empty folder left behind


def test_the_messages_command_gives_the_notebook_and_check_from_the_root_the_same_data(first_contact,
                                                                                     screenshots: Path) -> None:
    """The student runs the command the data cell printed and runs the notebook again, then `check` from the
    project's root exactly as README says: both read the twin beside the notebook, and check grades the notebook."""
    driver, root, url = first_contact
    _open(driver, url(NOTEBOOK))
    _run_all(driver)
    message = _outputs(_code_cells(driver)[1])[0][1]
    command = shlex.split(message.split("in a terminal:\n", 1)[1].splitlines()[0])
    env = _default_env()
    subprocess.run(command, cwd=root, env=env, check=True, capture_output=True, timeout=300)
    _run_all(driver)  # from the top again: the data cell finds the twin now
    data = _code_cells(driver)[1]
    ((_, text),) = _outputs(data)
    assert text.startswith(f"Data folder: {root / 'notebooks' / 'data' / 'ml-1m'}\n"
                           "SYNTHETIC offline twin of MovieLens 1M"), text
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", data.find_element(By.CSS_SELECTOR,
                                                                                             ".jp-OutputArea"))
    driver.save_screenshot(screenshots / "first_contact_with_the_twin.png")
    checked = subprocess.run([sys.executable, "-m", "movielens_lab", "check", f"notebooks/{NOTEBOOK}"], cwd=root,
                             env=env, capture_output=True, text=True, timeout=1200)
    assert checked.returncode == 1, checked.stderr  # graded: the released notebook's TODOs fail their tests
    sections = [line for line in checked.stdout.splitlines() if CHECK_LINE.match(line)]
    assert len(sections) == len(POINTS) and all("FAILED" in line for line in sections), checked.stdout
    assert "movies needs the columns MovieID, Title, Genres" in checked.stdout  # the tests ran on the data
    assert "_LabCheck" not in checked.stdout and "could not be downloaded" not in checked.stdout


@pytest.fixture(scope="module")
def similar_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a graded class of corpus styles with two pairs of copies (``fixtures.similarclass``)."""
    folder = write_similar_class(tmp_path_factory.mktemp("similar") / "grading")
    report(folder)
    return folder / "report.html"


def test_similar_submissions_show_the_copies_side_by_side_with_the_matching_lines_marked(
        browser: WebDriver, similar_report: Path, screenshots: Path) -> None:
    browser.get(similar_report.as_uri())
    heading = browser.find_element(By.XPATH, "//h2[starts-with(., 'Similar submissions')]")
    assert heading.text == "Similar submissions (2)"
    assert "a reason to look at the two notebooks, not a verdict" in browser.find_element(By.TAG_NAME, "body").text
    table = heading.find_element(By.XPATH, "following::table[1]")
    assert [[td.text for td in row.find_elements(By.TAG_NAME, "td")][:4]
            for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")] == [
        ["1", "helpers_a", "helpers_b", "0.99"], ["2", "mistake_a", "mistake_b", "0.95"]]
    pairs = browser.find_elements(By.CSS_SELECTOR, "figure.side-by-side")
    assert len(pairs) == 7
    left, right = pairs[0].find_elements(By.CSS_SELECTOR, ".listing")
    assert abs(left.location["y"] - right.location["y"]) < 2  # side by side, not one under the other
    assert left.location["x"] + left.size["width"] <= right.location["x"]
    assert left.find_element(By.TAG_NAME, "p").text == "helpers_a"
    assert right.find_element(By.TAG_NAME, "p").text.startswith("helpers_b: 4. Training and test sets")
    marks = [m.text for m in left.find_elements(By.TAG_NAME, "mark")]
    assert marks[0] == "def mean_per_id(ids, values, size, fallback):" and len(marks) == 10
    assert right.find_elements(By.TAG_NAME, "mark")[0].text == "def average_by_key(keys, vals, length, default):"
    colour = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor",
                                     left.find_element(By.TAG_NAME, "mark"))
    assert colour == "rgb(255, 224, 138)"
    mistake = browser.find_element(By.XPATH, "//h3[starts-with(., '2. mistake_a and mistake_b')]")
    assert "predictions for a different user do not match (2 students got it)" in mistake.find_element(
        By.XPATH, "following::ul[1]").text
    browser.execute_script("arguments[0].scrollIntoView()", heading)
    browser.save_screenshot(screenshots / "similar_submissions.png")
    browser.execute_script("arguments[0].scrollIntoView()", mistake)
    browser.save_screenshot(screenshots / "similar_mistake_pair.png")
    pairs[0].screenshot(str(screenshots / "similar_pair.png"))


MARK = "document.documentElement.dataset.pwned"
HOSTILE = [f"<script>{MARK}='script'</script>", f'<img src=x onerror="{MARK}=\'img\'">',
           f'"><svg onload="{MARK}=\'svg\'">', f"'><iframe src=\"javascript:parent.{MARK}='iframe'\">",
           f"</title><script>{MARK}='title'</script>", f"<a href=\"javascript:{MARK}='link'\" id=evil>click</a>",
           f"[click](javascript:{MARK}='md')"]
"""Names, notes, flags and hints that would run a script (each sets a mark on the page) if a page let them."""


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A class report and a feedback page, both written from HOSTILE in every field a student's text reaches."""
    known = [Known(f"s{k}", {"test_movies": (2, [text])}, "invalid" if k % 2 else "graded", [text], [text], [text],
                   name=text) for k, text in enumerate(HOSTILE)]
    out = write_grading_folder(tmp_path_factory.mktemp("hostile-pages"), known)
    report(out)
    page = out / "students" / "s1" / "feedback.html"
    atomic_write(page, feedback.render(known[1].outcome(SECTIONS, BONUS), HOSTILE[4]))
    return [out / "report.html", page]


def test_pages_written_from_hostile_names_run_nothing(browser: WebDriver, hostile_pages: list[Path],
                                                      screenshots: Path) -> None:
    for page in hostile_pages:
        browser.get(page.as_uri())
        if links := browser.find_elements(By.ID, "evil"):
            links[0].click()
        time.sleep(1)  # time for an image's onerror, an svg's onload, a frame to load
        browser.execute_script("Array.from(document.querySelectorAll('li, td')).find(e => e.textContent.includes("
                               "arguments[0])).scrollIntoView()", HOSTILE[1])
        browser.save_screenshot(screenshots / f"hostile_{page.stem}.png")
        assert browser.execute_script(f"return {MARK}") is None, page.name
        assert not browser.find_elements(By.CSS_SELECTOR, "script, iframe, svg, a, img:not([src^='data:image/png'])")
        text = browser.find_element(By.TAG_NAME, "body").text
        assert HOSTILE[1] in text and HOSTILE[4] in text  # shown as the text it is
