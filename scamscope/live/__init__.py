"""Live capture of URLs in real headless Chromium."""
