#!/usr/bin/env python3
"""Checks an rnnrepl --html page the way a person would, in a real browser.

    check_page.py PAGE.html [--expected-lines FILE] [--screenshot OUT.png] [--chromium PATH]

Prints a JSON report and exits 0 when every check passes, 1 when one fails, 2 when the
checks cannot run here (no browser). Only the standard library is used.

The checks:
  well-formed   the page parses as XML (strict), and its HTML tags balance
  text          every line of FILE (UTF-8, one line each; whitespace runs count as one
                space) appears in the page's text content
  console       no console message, script error or browser log entry (a blocked load, a
                Content-Security-Policy violation) while the page loads and is laid out
  not-blank     a screenshot of the top of the page, light and dark, has content pixels
  dark          with prefers-color-scheme: dark the page's background is dark
  plots         at 1000 and at 375 pixels wide, each SVG plot is as large as its viewBox
                allows (the column's width, the viewBox's proportions), and its screenshot has
                coloured pixels (the series' lines and markers)
  phone         at 375 pixels wide, document.documentElement.scrollWidth <= 375
  collapse      long outputs are collapsed on screen, and shown in print media (where nothing is
                wider than the paper)

The browser is driven through the Chrome DevTools protocol (a WebSocket); the page itself is
never changed: the measuring scripts run from the protocol, not from the page.
"""

import argparse
import html.parser
import json
import os
import shutil
import sys
import time
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from devtools import DESKTOP_WIDTH, VIEWPORT_HEIGHT, Browser  # noqa: E402
from png import pixel_statistics  # noqa: E402

PHONE_WIDTH = 375


# ---------------------------------------------------------------- well-formedness and text

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class TextAndTags(html.parser.HTMLParser):
    """The page's text content (as a browser's textContent: no markup, entities decoded, the
    stylesheet left out) and whether its tags balance."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.problems = []
        self.text = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self.in_style = True
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID and tag not in ("path", "polyline", "rect", "circle", "line"):
            self.problems.append("self-closed <%s/> is not a void element" % tag)

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag in VOID:
            self.problems.append("end tag </%s> of a void element" % tag)
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data):
        if not self.in_style:
            self.text.append(data)


def normalise(text):
    return " ".join(text.split())


def check_document(source, expected_lines):
    report = {}
    try:
        ElementTree.fromstring(source.encode("utf-8"))
        report["xml"] = "ok"
    except ElementTree.ParseError as error:
        report["xml"] = "not well-formed: %s" % error
    parser = TextAndTags()
    parser.feed(source)
    parser.close()
    if parser.stack:
        parser.problems.append("unclosed: %s" % parser.stack)
    report["tags"] = parser.problems[:10]
    page_text = normalise("".join(parser.text))
    missing = []
    for line in expected_lines:
        wanted = normalise(line)
        if wanted and wanted not in page_text:
            missing.append(line)
    report["text_lines"] = len([line for line in expected_lines if normalise(line)])
    report["missing_lines"] = missing[:20]
    report["missing_count"] = len(missing)
    return report


# ---------------------------------------------------------------- the browser checks

MEASURE_PLOTS = """
(() => Array.from(document.querySelectorAll('svg.plot')).map(svg => {
  const r = svg.getBoundingClientRect();
  const box = svg.viewBox.baseVal;
  const column = svg.parentElement.getBoundingClientRect();
  const style = getComputedStyle(svg.parentElement);
  const available = column.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const lines = Array.from(svg.querySelectorAll('.series polyline, .series path, .points text')).filter(e => {
    const b = e.getBBox(); const s = getComputedStyle(e);
    return (b.width > 0 || b.height > 0) && s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0;
  }).length;
  return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height,
          viewWidth: box.width, viewHeight: box.height, available: available, drawn: lines};
}))()
"""

MEASURE_PAGE = """
(screen => {
  const wide = Array.from(document.querySelectorAll('body *')).filter(e => {
    const r = e.getBoundingClientRect();
    if (r.right <= screen + 0.5) return false;
    for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
    }
    return true;
  }).slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className + ' right=' + Math.round(e.getBoundingClientRect().right));
  const shown = Array.from(document.querySelectorAll('details.more > pre')).filter(p => p.checkVisibility()).length;
  return {scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth, collapsedShown: shown,
          height: document.documentElement.scrollHeight, wide: wide,
          background: getComputedStyle(document.body).backgroundColor};
})(%d)
"""

MEASURE_PRINT = """
(() => {
  const hidden = Array.from(document.querySelectorAll('details.more > pre')).filter(p => !p.checkVisibility()).length;
  return {collapsed: document.querySelectorAll('details.more').length, hiddenInPrint: hidden,
          scrollWidth: document.documentElement.scrollWidth, width: innerWidth};
})()
"""


def check_plots(browser, plots, width, failures, label):
    results = []
    for index, plot in enumerate(plots):
        expected_width = min(plot["viewWidth"], plot["available"])
        expected_height = expected_width * plot["viewHeight"] / plot["viewWidth"]
        result = {"width": round(plot["width"], 1), "height": round(plot["height"], 1),
                  "expected": [round(expected_width, 1), round(expected_height, 1)], "drawn": plot["drawn"]}
        if abs(plot["width"] - expected_width) > 1.5 or abs(plot["height"] - expected_height) > 1.5:
            failures.append("%s: plot %d is %.0fx%.0f, expected %.0fx%.0f" % (label, index + 1, plot["width"], plot["height"],
                                                                        expected_width, expected_height))
        if plot["width"] < 200 or plot["height"] < 80:
            failures.append("%s: plot %d is too small to read (%.0fx%.0f)" % (label, index + 1, plot["width"], plot["height"]))
        if plot["drawn"] == 0:
            failures.append("%s: plot %d has no visible series or points" % (label, index + 1))
        png = browser.screenshot(plot["x"], plot["y"], max(1, plot["width"]), max(1, plot["height"]))
        share, coloured, _ = pixel_statistics(png)
        result["coloured_pixels"] = coloured
        if coloured < plot["width"] / 4:
            failures.append("%s: plot %d shows only %d coloured pixels" % (label, index + 1, coloured))
        results.append(result)
    return results


def check_in_browser(chromium, page, screenshot_path):
    report, failures = {}, []
    browser = Browser(chromium)
    try:
        browser.call("Page.enable")
        browser.call("Runtime.enable")
        browser.call("Log.enable")
        browser.set_width(DESKTOP_WIDTH, False)
        browser.call("Page.navigate", url="file://" + os.path.abspath(page))
        browser.wait_for("Page.loadEventFired")
        browser.evaluate("document.fonts.ready.then(() => true)")
        browser.set_width(DESKTOP_WIDTH, False)

        # Desktop: not blank, plots at their full size.
        desktop = browser.evaluate(MEASURE_PAGE % DESKTOP_WIDTH)
        report["height_px"] = desktop["height"]
        if desktop["collapsedShown"]:
            failures.append("%d collapsed outputs are open on screen" % desktop["collapsedShown"])
        share, _, luminance = pixel_statistics(browser.screenshot(0, 0, DESKTOP_WIDTH, VIEWPORT_HEIGHT))
        report["light_content_share"] = round(share, 4)
        if share < 0.005:
            failures.append("the top of the page is blank (%.2f%% content pixels)" % (100 * share))
        if luminance < 128:
            failures.append("the light page's background is dark")
        if screenshot_path:
            with open(screenshot_path, "wb") as file:
                file.write(browser.screenshot(0, 0, DESKTOP_WIDTH, min(desktop["height"], 2400)))
        plots = browser.evaluate(MEASURE_PLOTS)
        report["plots"] = len(plots)
        report["plots_desktop"] = check_plots(browser, plots, DESKTOP_WIDTH, failures, "1000 px")

        # Phone: nothing wider than the screen, plots scaled to the column.
        browser.set_width(PHONE_WIDTH, True)
        phone = browser.evaluate(MEASURE_PAGE % PHONE_WIDTH)
        report["phone_scroll_width"] = phone["scrollWidth"]
        if phone["scrollWidth"] > PHONE_WIDTH or phone["bodyScrollWidth"] > PHONE_WIDTH:
            failures.append("at 375 px the page is %d px wide: %s" % (phone["scrollWidth"], phone["wide"]))
        report["plots_phone"] = check_plots(browser, browser.evaluate(MEASURE_PLOTS), PHONE_WIDTH, failures, "375 px")

        # Dark: the system theme is followed, and the page is still not blank.
        browser.set_width(DESKTOP_WIDTH, False)
        browser.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}])
        browser.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        share, _, luminance = pixel_statistics(browser.screenshot(0, 0, DESKTOP_WIDTH, VIEWPORT_HEIGHT))
        report["dark_content_share"] = round(share, 4)
        if luminance > 80:
            failures.append("with prefers-color-scheme: dark the background stays light")
        if share < 0.005:
            failures.append("the top of the dark page is blank")

        # Print: collapsed outputs are printed, nothing is wider than the paper.
        browser.call("Emulation.setEmulatedMedia", media="print", features=[])
        printed = browser.evaluate(MEASURE_PRINT)
        report["collapsed_outputs"] = printed["collapsed"]
        if printed["hiddenInPrint"]:
            failures.append("%d collapsed outputs stay hidden in print" % printed["hiddenInPrint"])
        if printed["scrollWidth"] > printed["width"]:
            failures.append("in print the page is wider (%d px) than the paper (%d px)" % (printed["scrollWidth"], printed["width"]))
        browser.call("Emulation.setEmulatedMedia", media="", features=[])

        time.sleep(0.2)
        browser.evaluate("1")  # collect any late messages
        messages = browser.console_messages()
        report["console"] = messages[:10]
        if messages:
            failures.append("console messages: %s" % messages[:5])
    finally:
        browser.close()
    return report, failures


def find_chromium(given):
    if given:
        return given
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page")
    parser.add_argument("--expected-lines")
    parser.add_argument("--screenshot")
    parser.add_argument("--chromium")
    options = parser.parse_args()
    with open(options.page, encoding="utf-8") as file:
        source = file.read()
    expected = []
    if options.expected_lines:
        with open(options.expected_lines, encoding="utf-8") as file:
            expected = file.read().split("\n")
    report = check_document(source, expected)
    failures = []
    if report["xml"] != "ok":
        failures.append("XML: " + report["xml"])
    if report["tags"]:
        failures.append("tags: %s" % report["tags"])
    if report["missing_count"]:
        failures.append("%d lines of the transcript are not in the page, e.g. %s" % (report["missing_count"], report["missing_lines"][:3]))
    chromium = find_chromium(options.chromium)
    if chromium is None:
        report["browser"] = "no chromium"
        print(json.dumps({"report": report, "failures": failures}, ensure_ascii=False))
        sys.exit(1 if failures else 2)
    browser_report, browser_failures = check_in_browser(chromium, options.page, options.screenshot)
    report.update(browser_report)
    failures += browser_failures
    report["bytes"] = len(source.encode("utf-8"))
    print(json.dumps({"report": report, "failures": failures}, ensure_ascii=False, indent=1))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
