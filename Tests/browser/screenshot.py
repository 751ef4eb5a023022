#!/usr/bin/env python3
"""A screenshot of part of a page in headless Chromium (for the README's pictures).

    screenshot.py PAGE.html OUT.png [--width 900] [--height 1000] [--from '#cell-14'] [--dark]

Lays the page out at --width pixels (a phone: 375) and captures --height pixels starting at
the top of the element --from names (by default the top of the page), in the light theme or,
with --dark, as a system in dark mode shows it. The page is not changed.
"""

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from devtools import Browser  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=900)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--from", dest="start", default=None)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    options = parser.parse_args()
    if not options.chromium:
        sys.exit("no chromium: install it (Debian: apt-get install chromium)")
    browser = Browser(options.chromium)
    try:
        browser.call("Page.enable")
        browser.set_width(options.width, options.width < 500)
        if options.dark:
            browser.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}])
        browser.call("Page.navigate", url="file://" + os.path.abspath(options.page))
        browser.wait_for("Page.loadEventFired")
        browser.set_width(options.width, options.width < 500)
        top = 0
        if options.start:
            top = browser.evaluate("document.querySelector(%s).getBoundingClientRect().top + scrollY - 12"
                                   % json.dumps(options.start))
        height = min(options.height, browser.evaluate("document.documentElement.scrollHeight") - top)
        with open(options.out, "wb") as file:
            file.write(browser.screenshot(0, max(0, top), options.width, height))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
