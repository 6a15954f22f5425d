"""The web chat end to end in a real headless Chromium (Debian's, driven by Playwright):
asking, reading sources, following [n] markers, copying references, filtering, uploading.
Screenshots land in tests/screenshots/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant.citations import reference
from helpers import free_port, make_assistant
from ui.app import example_questions, launch

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

SHOTS = Path(__file__).parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
KHARKIV = "How many were injured in Kharkiv?"
# True once the chat's scrolling box shows its newest message.
AT_BOTTOM = """() => {
  let box = document.querySelector("#nd-chat .message");
  while (box && !(box.scrollHeight > box.clientHeight
                  && ["auto", "scroll"].includes(getComputedStyle(box).overflowY))) {
    box = box.parentElement;
  }
  return box && box.scrollTop + box.clientHeight >= box.scrollHeight - 2;
}"""
# Records the length of the chat's answer text each time the chat changes.
RECORD_ANSWER_LENGTHS = """() => {
  window.answerLengths = [];
  new MutationObserver(() => {
    const answer = document.querySelector("#nd-chat .nd-answer");
    if (answer) window.answerLengths.push(answer.textContent.length);
  }).observe(document.querySelector("#nd-chat"), {subtree: true, childList: true,
                                                    characterData: true});
}"""


@pytest.fixture(scope="module", autouse=True)
def fresh_screenshots():
    shutil.rmtree(SHOTS, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def served(real_copy):
    """The app, with the packaged model, on a free loopback port."""
    app = launch(real_copy, server_name="127.0.0.1", server_port=free_port(),
                 prevent_thread_lock=True, quiet=True)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def page(browser, served):
    """A fresh page on the app; at the end, no request may have left the machine."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or "local"))
    page.goto(served.local_url)
    expect(page.locator("#nd-question textarea")).to_be_visible()
    yield page
    context.close()
    assert hosts <= {"127.0.0.1", "local"}  # "local": data: and blob: addresses


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def ask(page, question: str, turn: int):
    """Ask in the chat and wait for the `turn`-th answer to be complete."""
    page.locator("#nd-question textarea").fill(question)
    page.keyboard.press("Enter")
    answer = page.locator("#nd-chat .message.bot").nth(turn - 1)
    expect(answer.locator(".nd-sources, .nd-notice")).to_be_visible(timeout=30_000)
    return answer


def test_first_load_shows_examples(page, real_copy):
    expect(page.locator("#nd-chat")).to_contain_text("5 articles indexed")
    expect(page.get_by_text("processing")).to_have_count(0)
    example = example_questions(real_copy)[0]  # a long one shows shortened
    expect(page.get_by_role("button", name=re.compile(re.escape(example[:40])))).to_be_visible()
    shot(page, "01-first-load")


def test_answer_lists_each_figure_with_its_source(page, real_copy):
    page.evaluate(RECORD_ANSWER_LENGTHS)
    answer = ask(page, KHARKIV, 1)
    lengths = page.evaluate("window.answerLengths")
    assert len(set(lengths)) > 2 and lengths == sorted(lengths), "the answer did not stream"
    figures = answer.locator(".nd-figures li")
    expect(figures).to_have_count(2)
    expect(figures.nth(0)).to_contain_text("11")
    expect(figures.nth(1)).to_contain_text("approximately 28")
    sources = answer.locator(".nd-source")
    expect(sources).to_have_count(2)
    expect(sources.nth(0)).to_contain_text("Kharkiv Missile Strike Injures 11")
    expect(sources.nth(0).locator("code")).to_have_text("002_3bdc0dad83278f9f.txt")
    expect(sources.nth(1).locator("mark")).to_contain_text("approximately 28 injured victims")
    expect(sources.nth(1).locator(".nd-context")).to_contain_text("Zelensky condemned")
    shot(page, "02-answer-with-sources")

    sources.nth(0).get_by_role("button", name="Copy reference").click()
    expect(sources.nth(0).get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == reference(real_copy.ask(KHARKIV).citations[0])


def test_marker_brings_its_source_into_view(page):
    for turn, question in enumerate((KHARKIV, KHARKIV, "What happened in Kryvyi Rih?"), 1):
        ask(page, question, turn)
    page.wait_for_function(AT_BOTTOM)
    page.wait_for_timeout(600)  # Gradio scrolls to the newest message again 300 ms after it
    source = page.locator("#nd-1-2")
    expect(source).not_to_be_in_viewport()
    page.locator('a.nd-cite[href="#nd-1-2"]').dispatch_event("click")
    expect(source).to_be_in_viewport()
    assert page.evaluate("document.querySelector(':target')?.id") == "nd-1-2"
    shot(page, "03-marker-followed")


def test_date_filter_applies_to_retrieval(page):
    for field, day in (("#nd-since", "2023-11-01"), ("#nd-until", "2023-11-30")):
        page.locator(f"{field} input").fill(day)
        page.locator(f"{field} input").press("Enter")
    refusal = ask(page, KHARKIV, 1).locator(".nd-refusal")
    expect(refusal).to_contain_text("Not in the articles")
    expect(refusal).to_contain_text("published from 2023-11-01 to 2023-11-30")
    shot(page, "04-date-filter-refusal")
    answer = ask(page, "How many people were killed in Kryvyi Rih?", 2)
    expect(answer.locator(".nd-source").first).to_be_visible()
    for source in answer.locator(".nd-source").all():
        expect(source).to_contain_text("2023-11-06 · 004_6df5475b4a671cad.txt")
    shot(page, "05-date-filter-answer")


def test_upload_then_ask_about_it(page, tmp_path):
    upload = tmp_path / "lviv-drone.txt"
    upload.write_text(
        "Title: Drone hits <script>window.owned = 1</script> Lviv warehouse\n"
        "Source: Kyiv Independent\nDate: 2024-03-02\n\n"
        "A drone struck a warehouse in Lviv on Saturday, injuring 4 workers.\n"
    )
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    page.get_by_role("tab", name="Corpus").click()
    expect(page.locator("#nd-corpus")).to_contain_text("002_3bdc0dad83278f9f.txt")
    page.locator("#nd-upload input[type=file]").set_input_files([str(upload), str(empty)])
    report = page.locator("#nd-report")
    expect(report).to_contain_text("1 added", timeout=30_000)
    expect(report).to_contain_text("skipped empty.txt: empty file")
    page.locator("#nd-search input, #nd-search textarea").fill("kyiv independent")
    expect(page.locator("#nd-corpus div[role=row]")).to_have_count(1)
    expect(page.locator("#nd-corpus")).to_contain_text("lviv-drone.txt")
    shot(page, "06-corpus-after-upload")

    page.get_by_role("tab", name="Chat").click()
    page.get_by_label("Outlets").click()
    page.get_by_role("option", name="Kyiv Independent").click()
    page.locator("#nd-question textarea").click()
    answer = ask(page, "How many were injured in Lviv?", 1)
    expect(answer).to_contain_text("4 workers")
    expect(answer.locator(".nd-source")).to_contain_text("<script>window.owned = 1</script>")
    assert page.evaluate("window.owned") is None
    shot(page, "07-answer-from-upload")


def test_empty_index_says_so(browser, tmp_path, corpus):
    app = launch(make_assistant(tmp_path / "empty-index", corpus), server_name="127.0.0.1",
                 server_port=free_port(), prevent_thread_lock=True, quiet=True)
    page = browser.new_page()
    try:
        page.goto(app.local_url)
        expect(page.locator("#nd-chat")).to_contain_text("The index is empty.")
        shot(page, "08-empty-index")
    finally:
        page.close()
        app.close()
