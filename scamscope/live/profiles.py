"""Browser profiles for live capture: what the scam page's cloaking sees.

Kits serve their warning only to the visitors they target (Windows, a Japanese or English
browser, arriving from an ad); the profile decides the user agent, language, time zone and
screen.
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class Profile:
    name: str
    user_agent: str
    locale: str
    timezone: str
    width: int = 1366
    height: int = 768
    accept_language: str = ""


PROFILES: dict[str, Profile] = {
    "windows-ja": Profile("windows-ja", WINDOWS_CHROME, "ja-JP", "Asia/Tokyo", accept_language="ja-JP,ja;q=0.9,en;q=0.5"),
    "windows-en": Profile("windows-en", WINDOWS_CHROME, "en-US", "America/New_York", accept_language="en-US,en;q=0.9"),
}
DEFAULT_PROFILE = "windows-ja"
