"""app.yaml: what an organisation decides, validated with pydantic.

A mistake stops start-up with one line naming the key, the problem and the line in the file
(``ConfigError``); ``extramile`` turns it into exit code 2. Secrets never live here: ``${VAR}``
references are expanded from the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

import content

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(Exception):
    """One line for the operator: file, key, problem, line."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin") from None
    return name


def _check_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


class Organization(Strict):
    name: str = "Our organisation"
    timezone: Timezone = "UTC"


class Value(Strict):
    slug: str
    name: str
    description: str = ""
    emoji: str = ""

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        v = v.strip().lower()
        if not _SLUG.match(v):
            raise ValueError(f"{v!r} is not a slug: use lowercase letters, digits, - and _ (e.g. extra-mile)")
        return v


Email = Annotated[str, AfterValidator(_check_email)]
Timezone = Annotated[str, AfterValidator(_check_timezone)]


class Roles(Strict):
    hr: list[Email] = Field(default_factory=list)
    leaders: list[Email] = Field(default_factory=list)
    admins: list[Email] = Field(default_factory=list)

    @field_validator("hr", "leaders", "admins", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v

    def of(self, email: str) -> frozenset[str]:
        email = (email or "").lower()
        return frozenset(r for r in ("hr", "leaders", "admins") if email in getattr(self, r))


class PersonEntry(Strict):
    name: str
    email: Email
    handle: str | None = None
    team: str | None = None
    manager: Email | None = None
    timezone: Timezone | None = None

    @field_validator("handle")
    @classmethod
    def _handle(cls, v: str | None) -> str | None:
        return v.lstrip("@").strip().lower() if v else None


ChannelRef = str | dict[str, str]


class Channels(Strict):
    kudos: ChannelRef | None = "#kudos"
    stories: ChannelRef | None = "#service-stories"

    def resolve(self, logical: str, platform: str) -> str | None:
        """The channel name for a logical channel on one platform (None when not configured)."""
        ref = getattr(self, logical, None) if logical in type(self).model_fields else logical
        if isinstance(ref, dict):
            return ref.get(platform) or ref.get("default")
        return ref


class KudosSettings(Strict):
    daily_budget: int = Field(5, ge=0, le=1000)
    max_recipients: int = Field(5, ge=1, le=50)
    require_value: bool = False
    leaderboard: bool = True
    reaction_emoji: str = "clap"
    max_length: int = Field(500, ge=10, le=4000)

    @field_validator("reaction_emoji")
    @classmethod
    def _emoji(cls, v: str) -> str:
        return v.strip().strip(":")


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class BusinessHours(Strict):
    start: str = "09:00"
    end: str = "17:30"
    days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])

    @field_validator("start", "end")
    @classmethod
    def _time(cls, v: str) -> str:
        if not _HHMM.match(str(v)):
            raise ValueError(f"{v!r} is not a time of day; write HH:MM, e.g. 09:00")
        return str(v)

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[str]) -> list[str]:
        days = [d.strip().lower()[:3] for d in v]
        bad = [d for d in days if d not in _DAYS]
        if bad or not days:
            raise ValueError(f"days must be a list of mon, tue, wed, thu, fri, sat, sun (got {v!r})")
        return days

    @model_validator(mode="after")
    def _order(self) -> "BusinessHours":
        if self.start >= self.end and len(self.start) == len(self.end):
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self

    def weekdays(self) -> frozenset[int]:
        return frozenset(_DAYS.index(d) for d in self.days)


class HolidaySettings(Strict):
    country: str | None = None
    subdivision: str | None = None
    extra: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known(self) -> "HolidaySettings":
        if self.country:
            import holidays

            try:
                holidays.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError:
                raise ValueError(f"unknown holiday country {self.country!r}; use an ISO code such as DE, FR, US") from None
            except Exception as exc:  # the library names the bad subdivision itself
                raise ValueError(str(exc)) from None
        return self


_BUSINESS_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+)m(?:in)?)?$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
_DAY_OFFSET = re.compile(r"^([+-]?\d+)d$")


def parse_duration(value: str) -> timedelta:
    """``4h``, ``90m``, ``1h30m``, ``1.5h`` -> a duration of business time."""
    text = str(value).strip().lower()
    match = _BUSINESS_DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration; write hours or minutes such as 4h, 90m or 1h30m")
    hours = float(match.group(1) or 0)
    minutes = int(match.group(2) or 0)
    duration = timedelta(hours=hours, minutes=minutes)
    if duration <= timedelta(0):
        raise ValueError(f"{value!r} must be longer than zero")
    return duration


def parse_percent(value: str) -> float:
    """``150%`` -> 1.5 (a point of the first-response target)."""
    match = _PERCENT.match(str(value).strip())
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{value!r} is not a percentage of the target; write it like 50% or 150%")
    return float(match.group(1)) / 100


def parse_day_offset(value: str) -> int:
    """``-1d`` (the business day before), ``0d`` (the promised day) -> -1, 0."""
    match = _DAY_OFFSET.match(str(value).strip().lower())
    if not match:
        raise ValueError(f"{value!r} is not a business-day offset; write -1d for the day before, 0d for the day itself")
    return int(match.group(1))


def _duration_str(v: Any) -> str:
    parse_duration(v)
    return str(v).strip().lower()


def _percent_str(v: Any) -> str:
    parse_percent(v)
    return str(v).strip()


def _offset_str(v: Any) -> str:
    parse_day_offset(v)
    return str(v).strip().lower()


Duration = Annotated[str, AfterValidator(_duration_str)]
Percent = Annotated[str, AfterValidator(_percent_str)]
DayOffset = Annotated[str, AfterValidator(_offset_str)]


class FirstResponse(Strict):
    """First-response targets in business time: by priority, and per ``#category``."""

    default: Duration = "4h"
    urgent: Duration = "1h"
    categories: dict[str, Duration] = Field(default_factory=lambda: {"it": "2h"})

    @field_validator("categories", mode="before")
    @classmethod
    def _lower(cls, v: Any) -> Any:
        return {str(k).strip().lower().lstrip("#"): str(d) for k, d in v.items()} if isinstance(v, dict) else v

    def target(self, category: str | None, urgent: bool) -> timedelta:
        """Urgent wins; then the category's own target; then the default."""
        if urgent:
            return parse_duration(self.urgent)
        if category and category in self.categories:
            return parse_duration(self.categories[category])
        return parse_duration(self.default)


class RequestsSettings(Strict):
    """``requests:`` — the business calendar lives here because requests introduced it; prompts and
    reminders reuse it. Durations, percentages and day offsets are the bare strings admins write
    ("4h", "150%", "-1d"); the ``*_points``/``escalate_fraction`` helpers give them parsed."""

    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    holidays: HolidaySettings = Field(default_factory=HolidaySettings)
    first_response: FirstResponse = Field(default_factory=FirstResponse)
    reminders: list[Percent] = Field(default_factory=lambda: ["50%", "100%"])
    promise_reminders: list[DayOffset] = Field(default_factory=lambda: ["-1d", "0d"])
    escalate_after: Percent = "150%"
    escalation_contacts: dict[str, Email] = Field(default_factory=lambda: {"it": "it-lead@example.com"})
    auto_confirm_days: int = Field(3, ge=1, le=60)

    @field_validator("reminders", "promise_reminders", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else [str(x) for x in v] if isinstance(v, list) else v

    @field_validator("escalate_after", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    @field_validator("escalation_contacts", mode="before")
    @classmethod
    def _contacts(cls, v: Any) -> Any:
        return {str(k).strip().lower().lstrip("#"): e for k, e in v.items()} if isinstance(v, dict) else v

    def reminder_points(self) -> list[tuple[str, float]]:
        """(label, fraction of the target), in order: ``[("50%", 0.5), ("100%", 1.0)]``."""
        return sorted(((p, parse_percent(p)) for p in dict.fromkeys(self.reminders)), key=lambda x: x[1])

    def promise_points(self) -> list[tuple[str, int]]:
        """(label, business days relative to the promised day), earliest first."""
        return sorted(((p, parse_day_offset(p)) for p in dict.fromkeys(self.promise_reminders)), key=lambda x: x[1])

    def escalate_fraction(self) -> float:
        return parse_percent(self.escalate_after)


_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ReportDelivery(Strict):
    """``reports.delivery``: when HR gets last month's report (local time in ``timezone``)."""

    day: int = Field(1, ge=1, le=28)
    time: str = "09:00"
    timezone: Timezone = "Europe/Berlin"

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, v: Any) -> str:
        if isinstance(v, int):  # YAML reads 09:00 unquoted as sexagesimal minutes
            v = f"{v // 60:02d}:{v % 60:02d}"
        if not _HHMM.match(str(v)):
            raise ValueError(f"{v!r} is not a time of day; write HH:MM in quotes, e.g. \"09:00\"")
        return str(v)


MAX_LINK_TTL_S = 30 * 86400


class ReportsSettings(Strict):
    """``reports:`` — privacy threshold, leaderboard names, monthly delivery, link lifetime.

    A report link is a bearer credential to figures about the whole organisation: it lives a day
    unless the organisation decides otherwise, and never more than :data:`MAX_LINK_TTL_S`.
    """

    min_group_size: int = Field(5, ge=2, le=1000)
    leaderboard_names: bool = False
    delivery: ReportDelivery = Field(default_factory=ReportDelivery)
    link_ttl: str = "24h"

    @field_validator("link_ttl", mode="before")
    @classmethod
    def _ttl(cls, v: Any) -> str:
        match = _DURATION.match(str(v))
        if not match:
            raise ValueError(f"{v!r} is not a duration; write a number and a unit, e.g. 24h, 7d, 2w")
        seconds = int(match.group(1)) * _UNIT_S[match.group(2)]
        if seconds > MAX_LINK_TTL_S:
            raise ValueError(f"{v!r} is longer than 30 days, the most a report link may live; "
                             "write at most 30d (links can be sent again with /culture report)")
        if seconds <= 0:
            raise ValueError(f"{v!r} would make every report link expire at once; write e.g. 24h")
        return str(v).strip()

    def link_ttl_seconds(self) -> int:
        match = _DURATION.match(self.link_ttl)
        assert match is not None
        return int(match.group(1)) * _UNIT_S[match.group(2)]



# --- prompts, stories, llm (issue 6) ---------------------------------------------------------

_GRACE = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")


def parse_grace(value: str) -> timedelta:
    """``2h``, ``90m``, ``1h30m``, ``0m`` -> how late a missed firing may still be posted."""
    text = str(value).strip().lower()
    match = _GRACE.match(text)
    if not text or not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration; write hours or minutes such as 2h, 90m or 1h30m")
    return timedelta(hours=int(match.group(1) or 0), minutes=int(match.group(2) or 0))


def _check_when(value: str) -> str:
    from bot.prompts.when import (
        parse_when,  # late: the schedule grammar lives with the feature
    )

    parse_when(value)
    return str(value).strip()


When = Annotated[str, AfterValidator(_check_when)]


class PromptScheduleEntry(Strict):
    """One ``prompts.schedules`` item: ``{channel: "#general", when: "weekdays 09:30", ...}``."""

    channel: str
    when: When
    timezone: Timezone | None = None
    value: str | None = None

    @field_validator("value")
    @classmethod
    def _value(cls, v: str | None) -> str | None:
        return v.strip().lower().lstrip("#") if v else None


class PromptsSettings(Strict):
    grace: str = "2h"
    schedules: list[PromptScheduleEntry] = Field(default_factory=list)

    @field_validator("grace", mode="before")
    @classmethod
    def _grace(cls, v: Any) -> str:
        parse_grace(str(v))
        return str(v).strip().lower()

    def grace_delta(self) -> timedelta:
        return parse_grace(self.grace)


class StoryThread(Strict):
    """``stories.thread``: the weekly "share a story" thread, scheduled like a prompt."""

    channel: str
    when: When = "fri 14:00"
    timezone: Timezone | None = None


class StoriesSettings(Strict):
    allow_anonymous: bool = True
    thread: StoryThread | None = None


class LlmSettings(Strict):
    """``llm:`` — optional OpenAI (or compatible) help; the key comes from OPENAI_API_KEY only."""

    enabled: bool = False
    model: str = "gpt-4o-mini"
    timeout_s: float = Field(20, gt=0, le=300)
    send_anonymous: bool = False


def _check_https_url(value: str) -> str:
    value = value.strip()
    if not re.match(r"^https://[^\s/?#]+\.[^\s/?#]+(/\S*)?$", value):
        raise ValueError(f"{value!r} is not an https:// URL (Teams accepts only HTTPS links)")
    return value


HttpsUrl = Annotated[str, AfterValidator(_check_https_url)]


class TeamsAppSettings(Strict):
    """``teams:`` — what the Teams app package says about its operator (``extramile manifest teams``).

    Without them the manifest points at ``/privacy`` and ``/terms`` of ``extramile run`` itself.
    """

    privacy_url: HttpsUrl | None = None
    terms_url: HttpsUrl | None = None


class AppConfig(Strict):
    organization: Organization = Field(default_factory=Organization)
    values: list[Value] = Field(default_factory=list)
    roles: Roles = Field(default_factory=Roles)
    people: list[PersonEntry] = Field(default_factory=list)
    channels: Channels = Field(default_factory=Channels)
    kudos: KudosSettings = Field(default_factory=KudosSettings)
    requests: RequestsSettings = Field(default_factory=RequestsSettings)
    prompts: PromptsSettings = Field(default_factory=PromptsSettings)
    stories: StoriesSettings = Field(default_factory=StoriesSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    teams: TeamsAppSettings = Field(default_factory=TeamsAppSettings)

    @model_validator(mode="after")
    def _defaults_and_uniqueness(self) -> "AppConfig":
        if not self.values:
            object.__setattr__(self, "values", [Value(**v) for v in content.default_values()])
        seen: set[str] = set()
        for v in self.values:
            if v.slug in seen:
                raise ValueError(f"value slug {v.slug!r} appears twice")
            seen.add(v.slug)
        emails: set[str] = set()
        for p in self.people:
            if p.email in emails:
                raise ValueError(f"person {p.email!r} appears twice in people")
            emails.add(p.email)
        return self

    @model_validator(mode="after")
    def _prompt_values(self) -> "AppConfig":
        known = [v.slug for v in self.values]
        for entry in self.prompts.schedules:
            if entry.value and entry.value not in known:
                raise ValueError(f"prompts.schedules: value {entry.value!r} is not one of the values ({', '.join(known)})")
        return self

    def value(self, slug: str) -> Value | None:
        return next((v for v in self.values if v.slug == slug), None)


class _MissingVariable(Exception):
    def __init__(self, name: str, loc: tuple[int | str, ...]) -> None:
        super().__init__(name)
        self.name, self.loc = name, loc


def expand_env(data: Any, environ: Mapping[str, str] | None = None, loc: tuple[int | str, ...] = ()) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}`` in string values (never in comments or keys)."""
    env = os.environ if environ is None else environ
    if isinstance(data, dict):
        return {k: expand_env(v, env, (*loc, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [expand_env(v, env, (*loc, i)) for i, v in enumerate(data)]
    if not isinstance(data, str):
        return data

    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise _MissingVariable(name, loc)

    return _ENV_REF.sub(sub, data)


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a line number."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _describe(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        msg = "unknown key (check the spelling; see README 'Configure app.yaml')"
    elif error.get("type") == "missing":
        msg = "required key is missing"
    return msg


def parse_config(text: str, source: str = "app.yaml") -> AppConfig:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}: not valid YAML: {problem}{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys such as organization:, values:, kudos:")
    try:
        data = expand_env(data)
    except _MissingVariable as missing:
        key = ".".join(str(p) for p in missing.loc)
        line = _line_of(node, missing.loc)
        raise ConfigError(f"{source}: {key}: environment variable {missing.name} is referenced as "
                          f"${{{missing.name}}} but not set (line {line})") from None
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        key = ".".join(str(p) for p in loc) or "(top level)"
        line = _line_of(node, loc)
        where = f" (line {line})" if line else ""
        got = error.get("input")
        shown = f", got {got!r}" if error.get("type") not in ("missing", "extra_forbidden") and not isinstance(got, (dict, list)) else ""
        raise ConfigError(f"{source}: {key}: {_describe(error)}{shown}{where}") from None


def load_config(path: str | Path | None = None) -> AppConfig:
    """Load the organisation's settings; no file at all means every default."""
    path = Path(path or os.environ.get("EXTRAMILE_CONFIG") or "app.yaml")
    if not path.exists():
        if os.environ.get("EXTRAMILE_CONFIG"):
            raise ConfigError(f"{path}: EXTRAMILE_CONFIG names a file that does not exist")
        return AppConfig()
    return parse_config(path.read_text(encoding="utf-8"), source=str(path))
