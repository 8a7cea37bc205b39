"""Browser tests: Playwright and headless Chromium against the live server."""
