"""madfam (004): an AI consultancy's leads, assessments, ROI calculations and their trail.

Every lead is derived on its own from ``ctx.rng("lead", n)`` (and a Faker reseeded for it),
so each table can regenerate the leads it needs one at a time: nothing scaled is held in
memory. A lead's ``score`` is ``score_lead`` of its own columns; its status follows the
pipeline NEW -> CONTACTED -> QUALIFIED -> CONVERTED (or UNQUALIFIED / LOST), each move a
``status_updated`` activity by its owner, as ``LeadRepository.change_status`` records it.
Assessments are scored by ``score_assessment`` with the tier of ``tier_for_score`` (and
the lead's tier updated to it, as ``complete_assessment`` does); calculations are
``roi_calculation`` / ``project_estimate`` with their summary fields. Analytics events,
queued emails and activities mirror what the repository writes for each of those steps.

At scale 1 there are 150 leads; ``--scale K`` multiplies the leads, and with them
everything hanging off a lead (activities, notes, assessments, calculations, emails,
analytics events), by K. The team, the five feature flags and the five integrations of the
document come from ``seeds/madfam/catalog.json``.

Integration secrets are sealed with the repository's SecretBox (Fernet, key
``DOMAINLAYER_INTEGRATIONS_KEY``). Fernet draws a random IV per token, so with a key set
those three columns (config, apiKey, webhookUrl: a webhook URL is a bearer secret) are the
one exception to "the same seed, the same rows" (what they decrypt to is the same); without
a key nothing secret is stored (apiKey and webhookUrl NULL, config ``{}``, integration
disabled) and a note says so.
"""

from __future__ import annotations

import json
import os
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from faker import Faker

from domainlayer.madfam.calculations import PROJECT_TYPES, project_estimate, roi_calculation
from domainlayer.madfam.rules import (
    ASSESSMENT_QUESTIONS,
    category_scores,
    check_flag_key,
    flag_rule,
    score_assessment,
    score_lead,
    tier_for_score,
)
from domainlayer.madfam.secrets_box import KEY_VARIABLE, SecretBox, SecretsUnavailable
from seed.bulk import BulkWriter, Row
from seed.context import SeedContext, derive_seed, naive
from seed.fixtures import load, parse_ago

__all__ = ["seed"]

#: Leads at scale 1, created over the last SPAN.
BASE_LEADS: Final = 150
SPAN: Final = timedelta(days=180)

TIERS: Final = ("L1_ESSENTIALS", "L2_ADVANCED", "L3_CONSULTING", "L4_PLATFORMS", "L5_STRATEGIC")
#: The pipeline path to each final status.
_PATHS: Final[dict[str, tuple[str, ...]]] = {
    "NEW": (),
    "CONTACTED": ("CONTACTED",),
    "QUALIFIED": ("CONTACTED", "QUALIFIED"),
    "CONVERTED": ("CONTACTED", "QUALIFIED", "CONVERTED"),
    "UNQUALIFIED": ("CONTACTED", "UNQUALIFIED"),
    "LOST": ("CONTACTED", "QUALIFIED", "LOST"),
}
#: Final status odds by score band (high >= 80, mid >= 60, low).
_STATUS_ODDS: Final = {
    "high": {"CONVERTED": 25, "QUALIFIED": 33, "CONTACTED": 22, "LOST": 10, "NEW": 10},
    "mid": {"CONVERTED": 10, "QUALIFIED": 22, "CONTACTED": 33, "LOST": 15, "UNQUALIFIED": 8,
            "NEW": 12},
    "low": {"CONTACTED": 28, "UNQUALIFIED": 35, "LOST": 14, "NEW": 17, "QUALIFIED": 6},
}  # fmt: skip
#: A tier's usual project type (its investment for ROI) and budget band.
_TIER_PROJECT: Final = {
    "L1_ESSENTIALS": "3d_design",
    "L2_ADVANCED": "parametric_design",
    "L3_CONSULTING": "workshop",
    "L4_PLATFORMS": "platform",
    "L5_STRATEGIC": "strategy",
}
_SIZE_TIER: Final = {
    "1-10": (40, 30, 20, 8, 2),
    "11-50": (20, 30, 30, 15, 5),
    "51-200": (8, 20, 35, 27, 10),
    "201-500": (4, 12, 30, 34, 20),
    "501-1000": (2, 8, 25, 35, 30),
    "1000+": (1, 5, 20, 34, 40),
}

LEAD_COLUMNS: Final = (
    "id", "email", "firstName", "lastName", "company", "phone", "tier", "message", "source",
    "score", "status", "industry", "companySize", "budget", "timeframe", "utmSource",
    "utmMedium", "utmCampaign", "ipAddress", "userAgent", "createdAt", "updatedAt",
)  # fmt: skip
NOTE_COLUMNS: Final = ("id", "content", "leadId", "authorId", "createdAt")
ACTIVITY_COLUMNS: Final = (
    "id", "type", "description", "leadId", "userId", "metadata", "createdAt",
)  # fmt: skip
ASSESSMENT_COLUMNS: Final = (
    "id", "leadId", "email", "status", "answers", "score", "tier", "strengths", "weaknesses",
    "recommendations", "createdAt", "completedAt",
)  # fmt: skip
CALCULATION_COLUMNS: Final = (
    "id", "type", "leadId", "email", "inputs", "results", "totalValue", "roi", "paybackMonths",
    "createdAt",
)  # fmt: skip
USER_COLUMNS: Final = (
    "id", "email", "name", "role", "image", "passwordHash", "emailVerified", "createdAt",
    "updatedAt",
)  # fmt: skip
SESSION_COLUMNS: Final = ("id", "sessionToken", "userId", "expires")
FLAG_COLUMNS: Final = (
    "id", "key", "name", "description", "enabled", "enabledDev", "enabledStaging",
    "enabledProd", "rolloutPercentage", "userGroups", "createdAt", "updatedAt",
)  # fmt: skip
EVENT_COLUMNS: Final = (
    "id", "event", "properties", "userId", "sessionId", "url", "referrer", "userAgent",
    "ipAddress", "createdAt",
)  # fmt: skip
EMAIL_COLUMNS: Final = (
    "id", "to", "subject", "template", "data", "status", "attempts", "error", "sentAt",
    "createdAt", "updatedAt",
)  # fmt: skip
INTEGRATION_COLUMNS: Final = (
    "id", "name", "enabled", "config", "webhookUrl", "apiKey", "lastSync", "createdAt",
    "updatedAt",
)  # fmt: skip

_SUBJECTS: Final = {
    "welcome": "Welcome to MADFAM",
    "assessment_results": "Your AI readiness assessment",
    "roi_report": "Your ROI estimate",
    "follow_up": "Following up on your project",
    "meeting_reminder": "Reminder: your meeting with MADFAM",
}
_SITE: Final = "https://madfam.io"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


def _pick(rng: random.Random, odds: dict[str, int]) -> str:
    return rng.choices(list(odds), weights=list(odds.values()))[0]


# One lead and everything that hangs off it -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Activity:
    type: str
    description: str
    user_id: str | None
    metadata: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True, slots=True)
class _Event:
    event: str
    properties: dict[str, Any] | None
    user_id: str | None
    session_id: str | None
    url: str | None
    referrer: str | None
    agent: str | None
    ip: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class _Email:
    template: str
    to: str
    data: dict[str, Any]
    at: datetime


@dataclass(frozen=True, slots=True)
class _Assessment:
    id: str
    lead_id: str | None
    email: str
    status: str
    answers: dict[str, int]
    score: int | None
    tier: str | None
    strengths: list[str] | None
    weaknesses: list[str] | None
    recommendations: list[str] | None
    created: datetime
    completed: datetime | None


@dataclass(frozen=True, slots=True)
class _Calculation:
    id: str
    type: str
    lead_id: str | None
    email: str
    inputs: dict[str, Any]
    results: dict[str, Any]
    total_value: float
    roi: float | None
    payback: int | None
    at: datetime


@dataclass(slots=True)
class _Lead:
    n: int
    id: str
    email: str
    first: str
    last: str
    company: str | None
    phone: str | None
    tier: str
    message: str | None
    source: str
    score: int
    status: str
    industry: str | None
    size: str | None
    budget: str
    timeframe: str
    utm: tuple[str | None, str | None, str | None]
    ip: str
    agent: str
    created: datetime
    updated: datetime
    activities: list[_Activity] = field(default_factory=list)
    notes: list[tuple[str, str, datetime]] = field(default_factory=list)
    assessments: list[_Assessment] = field(default_factory=list)
    calculations: list[_Calculation] = field(default_factory=list)
    emails: list[_Email] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)


class _Leads:
    """Builds lead ``n`` (1..total) and its children, the same every time it is asked."""

    def __init__(self, ctx: SeedContext, owners: list[str]) -> None:
        self.ctx = ctx
        self.total = ctx.scaled(BASE_LEADS)
        self.owners = owners
        self.catalog: dict[str, Any] = load("madfam", "catalog")
        self._lead_id = ctx.ids("lead")
        self._assessment_id = ctx.ids("asmt")
        self._calculation_id = ctx.ids("calc")
        self._fakers = {locale: Faker(locale) for locale in ("es_MX", "en_US")}
        self._start = ctx.now - SPAN

    def _faker(self, n: int, rng: random.Random) -> Faker:
        fake = self._fakers["es_MX" if rng.random() < 0.6 else "en_US"]
        fake.seed_instance(derive_seed("faker", self.ctx.seed, self.ctx.product, "lead", n))
        return fake

    def build(self, n: int) -> _Lead:
        ctx, cat = self.ctx, self.catalog
        rng = ctx.rng("lead", n)
        fake = self._faker(n, rng)
        first, last = fake.first_name(), fake.last_name()
        source_row = rng.choices(cat["sources"], weights=[s["weight"] for s in cat["sources"]])[0]
        utm_source, utm_medium, utm_campaign = rng.choice(source_row["utm"])
        size = rng.choice(cat["company_sizes"])
        company = fake.company() if rng.random() < 0.65 else None
        if company and rng.random() < 0.7:
            words = company.split()
            domain = _ascii("".join(words[:2]))[:24] or "empresa"
            email = f"{_ascii(first)}.{_ascii(last)}@{domain}.{rng.choice(('com', 'mx', 'io'))}"
        else:
            email = f"{_ascii(first)}{_ascii(last)[:3]}{n}@{rng.choice(cat['free_domains'])}"
        industry = rng.choice(cat["industries"])
        tier = rng.choices(TIERS, weights=_SIZE_TIER.get(size or "", (30, 30, 25, 10, 5)))[0]
        roll = rng.random()
        message: str | None = None
        if roll < 0.55:
            message = rng.choice(cat["long_messages"]).format(
                industry=(industry or "growing").replace("_", " ").lower(), size=size or "a few"
            )
        elif roll < 0.8:
            message = rng.choice(cat["short_messages"])
        phone = fake.phone_number() if rng.random() < 0.45 else None
        budget = cat["budgets"][min(4, max(0, TIERS.index(tier) + rng.choice((-1, 0, 0, 1))))]
        # Leads arrive steadily over the span, in id order.
        created = self._start + SPAN * ((n - rng.random() * 0.9) / self.total)
        created = min(created, ctx.now - timedelta(minutes=3))
        lead = _Lead(
            n, self._lead_id(n), email, first, last, company, phone, tier, message,
            source_row["source"], 0, "NEW", industry, size, budget,
            rng.choice(cat["timeframes"]), (utm_source, utm_medium, utm_campaign),
            f"{rng.randint(177, 201)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0",
            rng.choice(cat["user_agents"]), created, created,
        )  # fmt: skip
        self._visit(lead, rng)
        self._created(lead)
        self._assessment(lead, rng)
        # The score is the rules' score of the stored columns (the tier as finally stored).
        lead.score = score_lead(
            email=lead.email, company=lead.company, phone=lead.phone, message=lead.message,
            tier=lead.tier, industry=lead.industry, company_size=lead.size,
        )  # fmt: skip
        self._calculation(lead, rng)
        self._pipeline(lead, rng)
        self._anonymous(lead, rng)
        lead.activities.sort(key=lambda a: a.at)
        lead.events.sort(key=lambda e: e.at)
        lead.emails.sort(key=lambda e: e.at)
        lead.updated = max([lead.created, *(a.at for a in lead.activities)])
        return lead

    def _session(self, lead: _Lead, label: object) -> str:
        return "s_" + self.ctx.digest("visit", lead.n, label, size=24)

    def _visit(self, lead: _Lead, rng: random.Random) -> None:
        """The pages the visitor read before sending the form."""
        session = self._session(lead, "lead")
        referrer = rng.choice(self.catalog["referrers"])
        pages = [*rng.sample(self.catalog["pages"][:-1], rng.randint(1, 4)), "/contact"]
        at = lead.created - timedelta(minutes=rng.uniform(3, 40))
        for page in pages:
            lead.events.append(
                _Event("page.viewed", {"path": page}, None, session, _SITE + page, referrer,
                       lead.agent, lead.ip, at)
            )  # fmt: skip
            referrer = _SITE + page
            at += timedelta(seconds=rng.uniform(15, 240))

    def _created(self, lead: _Lead) -> None:
        # What LeadRepository.create_lead writes with the lead (score filled in later).
        lead.emails.append(
            _Email("welcome", lead.email, {"leadId": lead.id, "firstName": lead.first,
                                           "tier": lead.tier}, lead.created)
        )  # fmt: skip

    def _assessment(self, lead: _Lead, rng: random.Random) -> None:
        if rng.random() >= 0.45:
            return
        maturity = rng.uniform(1.3, 4.7)
        answers = {
            q.id: min(5, max(1, round(rng.gauss(maturity, 0.8)))) for q in ASSESSMENT_QUESTIONS
        }
        started = lead.created + timedelta(minutes=rng.uniform(5, 48 * 60))
        if started >= self.ctx.now:
            started = lead.created + (self.ctx.now - lead.created) / 2
        outcome = rng.random()
        number = lead.n * 2
        if outcome < 0.15:  # left half-way: partial answers, no score
            status = "ABANDONED" if self.ctx.now - started > timedelta(days=1) else "STARTED"
            partial = dict(list(answers.items())[: rng.randint(2, 7)])
            lead.assessments.append(
                _Assessment(self._assessment_id(number), lead.id, lead.email, status, partial,
                            None, None, None, None, None, started, None)
            )  # fmt: skip
            lead.events.append(self._event(lead, "assessment.started", {}, started))
            return
        score = score_assessment(answers)
        tier = tier_for_score(score).value
        completed = min(
            started + timedelta(minutes=rng.uniform(6, 25)),
            self.ctx.now - timedelta(minutes=1),
        )
        feedback = self.catalog["category_feedback"]
        scores = category_scores(answers)
        strengths = [feedback[c]["strength"] for c, s in scores.items() if s >= 65]
        weaknesses = [feedback[c]["weakness"] for c, s in scores.items() if s < 45]
        assessment = _Assessment(
            self._assessment_id(number), lead.id, lead.email, "COMPLETED", answers, score, tier,
            strengths, weaknesses, list(self.catalog["tier_recommendations"][tier]), started,
            completed,
        )  # fmt: skip
        lead.assessments.append(assessment)
        lead.tier = tier  # complete_assessment updates the lead's tier
        lead.activities.append(
            _Activity("assessment_completed", f"AI readiness assessment: {score} ({tier})",
                      None, {"assessmentId": assessment.id, "score": score}, completed)
        )  # fmt: skip
        lead.events.append(self._event(lead, "assessment.started", {}, started))
        lead.events.append(
            self._event(lead, "assessment.completed",
                        {"assessmentId": assessment.id, "score": score}, completed)
        )  # fmt: skip
        lead.emails.append(
            _Email("assessment_results", lead.email, {"score": score, "tier": tier}, completed)
        )

    def _event(self, lead: _Lead, name: str, props: dict[str, Any], at: datetime) -> _Event:
        session = self._session(lead, "lead")
        return _Event(name, props, None, session, None, None, lead.agent, lead.ip, at)

    def _calculation(self, lead: _Lead, rng: random.Random) -> None:
        if rng.random() >= 0.35:
            return
        at = min(
            lead.created + timedelta(hours=rng.uniform(0.2, 72)),
            self.ctx.now - timedelta(minutes=2),
        )
        number = lead.n
        if rng.random() < 0.7:
            employees = {"1-10": 6, "11-50": 30, "51-200": 120, "201-500": 320}.get(
                lead.size or "", 800 if lead.size else 15
            )
            employees = max(1, round(employees * rng.uniform(0.5, 1.5)))
            salary = Decimal(rng.randrange(180_000, 900_000, 10_000))  # MXN a year
            inefficiency = Decimal(rng.randint(10, 40))
            base, _ = PROJECT_TYPES[_TIER_PROJECT[lead.tier]]
            investment = base * Decimal(rng.choice((1, 2, 3))) * 18  # USD -> MXN, rounded
            roi = roi_calculation(
                employees=employees, average_annual_salary=salary,
                inefficiency_percentage=inefficiency, investment=investment,
            )  # fmt: skip
            inputs = {
                "employees": employees,
                "averageAnnualSalary": str(salary),
                "inefficiencyPercentage": str(inefficiency),
                "investment": str(investment),
                "automationRate": "0.6",
                "currency": "MXN",
            }
            calc = _Calculation(
                self._calculation_id(number), "roi", lead.id, lead.email, inputs,
                roi.as_results(), roi.total_value, float(roi.roi_percentage),
                roi.payback_months, at,
            )  # fmt: skip
            lead.emails.append(
                _Email("roi_report", lead.email, {"calculationId": calc.id,
                                                  **roi.as_results()}, at)
            )  # fmt: skip
        else:
            project = _TIER_PROJECT[lead.tier]
            usual = PROJECT_TYPES[project][1]
            services = sorted(rng.sample(("training", "support", "integration", "documentation"),
                                         rng.randint(0, 2)))  # fmt: skip
            complexity = rng.choice(("low", "medium", "medium", "high"))
            weeks = max(1, usual + rng.choice((-2, -1, 0, 0, 2)))
            estimate = project_estimate(
                project_type=project, complexity=complexity, timeline_weeks=weeks,
                services=services,
            )  # fmt: skip
            inputs = {
                "projectType": project,
                "complexity": complexity,
                "timelineWeeks": weeks,
                "services": services,
            }
            calc = _Calculation(
                self._calculation_id(number), "project_estimate", lead.id, lead.email, inputs,
                estimate.as_results(), estimate.total_value, None, None, at,
            )  # fmt: skip
        lead.calculations.append(calc)
        lead.activities.append(
            _Activity("calculation_performed", f"{calc.type}: {calc.total_value:,.2f}", None,
                      {"calculationId": calc.id}, at)
        )  # fmt: skip
        lead.events.append(
            self._event(lead, "calculator.calculated",
                        {"calculationId": calc.id, "type": calc.type,
                         "totalValue": calc.total_value}, at)
        )  # fmt: skip

    def _pipeline(self, lead: _Lead, rng: random.Random) -> None:
        ctx = self.ctx
        lead.activities.append(
            _Activity("lead_created", f"Lead created with score {lead.score}", None,
                      {"score": lead.score, "tier": lead.tier}, lead.created)
        )  # fmt: skip
        lead.events.append(
            self._event(lead, "lead.created",
                        {"leadId": lead.id, "score": lead.score, "tier": lead.tier},
                        lead.created)
        )  # fmt: skip
        lead.activities.append(
            _Activity("email_sent", "Welcome email queued", None, {"template": "welcome"},
                      lead.created + timedelta(seconds=5))
        )  # fmt: skip
        age = ctx.now - lead.created
        band = "high" if lead.score >= 80 else "mid" if lead.score >= 60 else "low"
        status = "NEW" if age < timedelta(days=2) else _pick(rng, _STATUS_ODDS[band])
        if status == "LOST" and rng.random() < 0.4:
            path: tuple[str, ...] = ("CONTACTED", "LOST")
        else:
            path = _PATHS[status]
        owner = self.owners[lead.n % len(self.owners)]
        previous = "NEW"
        for step, target in enumerate(path, 1):
            at = lead.created + age * (step / (len(path) + 1.5)) * rng.uniform(0.85, 1.0)
            before = at - timedelta(hours=rng.uniform(1, 20))
            if target == "CONTACTED":
                kind = rng.choice(("call_made", "email_sent"))
                lead.activities.append(
                    _Activity(kind, "Intro call" if kind == "call_made" else "Intro email",
                              owner, {"channel": "phone" if kind == "call_made" else "email"},
                              before)
                )  # fmt: skip
            elif target == "QUALIFIED":
                meeting = at + timedelta(days=rng.randint(2, 7))
                lead.activities.append(
                    _Activity("meeting_scheduled", "Discovery meeting scheduled", owner,
                              {"meetingAt": naive(meeting).isoformat()}, before)
                )  # fmt: skip
                lead.emails.append(
                    _Email("meeting_reminder", lead.email,
                           {"firstName": lead.first, "meetingAt": naive(meeting).isoformat()},
                           before + timedelta(minutes=1))
                )  # fmt: skip
            lead.activities.append(
                _Activity("status_updated", f"Status {previous} -> {target}", owner,
                          {"from": previous, "to": target}, at)
            )  # fmt: skip
            if target == "CONTACTED":
                lead.emails.append(
                    _Email("follow_up", lead.email, {"firstName": lead.first,
                                                     "owner": owner}, at)
                )  # fmt: skip
            if target == "CONVERTED":
                lead.events.append(
                    _Event("conversion.won", {"leadId": lead.id, "tier": lead.tier,
                                              "budget": lead.budget}, owner, None, None, None,
                           None, None, at)
                )  # fmt: skip
            previous = target
        lead.status = status
        if status == "NEW":
            return
        for k in range(rng.choice((0, 1, 1, 2, 3))):
            template = rng.choice(self.catalog["notes"])
            content = template.format(
                first=lead.first, budget=lead.budget, timeframe=lead.timeframe,
                company=lead.company or "The company", industry=lead.industry or "their sector",
                tier=lead.tier,
            )  # fmt: skip
            at = lead.created + age * rng.uniform(0.1, 0.95) + timedelta(seconds=k)
            lead.notes.append((content, owner, at))
            lead.activities.append(_Activity("note_added", content[:200], owner, None, at))

    def _anonymous(self, lead: _Lead, rng: random.Random) -> None:
        """Visitors around the same time who browsed without leaving their details."""
        for visit in range(rng.randint(1, 4)):
            session = self._session(lead, visit)
            at = lead.created - timedelta(hours=rng.uniform(0, 20))
            referrer = rng.choice(self.catalog["referrers"])
            agent = rng.choice(self.catalog["user_agents"])
            ip = f"{rng.randint(177, 201)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0"
            for page in rng.sample(self.catalog["pages"], rng.randint(1, 3)):
                lead.events.append(
                    _Event("page.viewed", {"path": page}, None, session, _SITE + page,
                           referrer, agent, ip, at)
                )  # fmt: skip
                referrer = _SITE + page
                at += timedelta(seconds=rng.uniform(10, 180))
        if rng.random() < 0.12:  # took the assessment anonymously
            answers = {q.id: rng.randint(1, 5) for q in ASSESSMENT_QUESTIONS}
            score = score_assessment(answers)
            started = lead.created - timedelta(hours=rng.uniform(1, 30))
            fake = self._fakers["en_US"]
            email = fake.free_email()
            lead.assessments.append(
                _Assessment(self._assessment_id(lead.n * 2 + 1), None, email, "COMPLETED",
                            answers, score, tier_for_score(score).value, None, None,
                            list(self.catalog["tier_recommendations"][
                                tier_for_score(score).value]),
                            started, started + timedelta(minutes=rng.uniform(6, 20)))
            )  # fmt: skip


# Rows --------------------------------------------------------------------------------------


def _leads(leads: _Leads) -> Iterator[Row]:
    for n in range(1, leads.total + 1):
        lead = leads.build(n)
        yield (
            lead.id, lead.email, lead.first, lead.last, lead.company, lead.phone, lead.tier,
            lead.message, lead.source, lead.score, lead.status, lead.industry, lead.size,
            lead.budget, lead.timeframe, *lead.utm, lead.ip, lead.agent, naive(lead.created),
            naive(lead.updated),
        )  # fmt: skip


def _children(leads: _Leads, table: str) -> Iterator[Row]:
    ctx = leads.ctx
    code = {"notes": "note", "activities": "lact", "events": "evnt", "emails": "emlq"}
    ids = ctx.ids(code.get(table, "xxxx"))
    n = 0
    for number in range(1, leads.total + 1):
        lead = leads.build(number)
        if table == "assessments":
            for a in lead.assessments:
                yield (
                    a.id, a.lead_id, a.email, a.status, json.dumps(a.answers), a.score, a.tier,
                    _json(a.strengths), _json(a.weaknesses), _json(a.recommendations),
                    naive(a.created), naive(a.completed) if a.completed else None,
                )  # fmt: skip
        elif table == "calculations":
            for c in lead.calculations:
                yield (
                    c.id, c.type, c.lead_id, c.email, _json(c.inputs), _json(c.results),
                    c.total_value, c.roi, c.payback, naive(c.at),
                )  # fmt: skip
        elif table == "notes":
            for content, author, at in sorted(lead.notes, key=lambda note: note[2]):
                n += 1
                yield (ids(n), content, lead.id, author, naive(at))
        elif table == "activities":
            for act in lead.activities:
                n += 1
                yield (
                    ids(n), act.type, act.description, lead.id, act.user_id,
                    _json(act.metadata), naive(act.at),
                )  # fmt: skip
        elif table == "events":
            for e in lead.events:
                n += 1
                yield (
                    ids(n), e.event, _json(e.properties), e.user_id, e.session_id, e.url,
                    e.referrer, e.agent, e.ip, naive(e.at),
                )  # fmt: skip
        elif table == "emails":
            for email in lead.emails:
                n += 1
                yield (ids(n), *_email_state(ctx, ids(n), email))


def _email_state(ctx: SeedContext, email_id: str, email: _Email) -> Row:
    """Queue state as the workers leave it: sent, retrying, failed for good, or waiting."""
    rng = ctx.rng("email", email_id)
    at = min(email.at, ctx.now - timedelta(seconds=30))
    roll = rng.random()
    sent_at: datetime | None = None
    error: str | None = None
    if ctx.now - at < timedelta(hours=12):
        status, attempts = "pending", 0
        updated = at
    elif roll < 0.03:
        status, attempts, error = "failed", 3, "550 5.1.1 Recipient address rejected"
        updated = at + timedelta(minutes=25)
    elif roll < 0.15 and ctx.now - at < timedelta(days=3):
        status, attempts, error = "pending", 1, "Resend API timeout after 10000 ms"
        updated = at + timedelta(minutes=2)
    else:
        status, attempts = "sent", 1 if roll < 0.97 else 2
        sent_at = at + timedelta(seconds=rng.uniform(2, 90))
        updated = sent_at
    return (
        json.dumps([email.to]), _SUBJECTS[email.template], email.template,
        _json(email.data), status, attempts, error, naive(sent_at) if sent_at else None,
        naive(at), naive(updated),
    )  # fmt: skip


def _team(ctx: SeedContext, user_ids: dict[str, str]) -> Iterator[Row]:
    for raw in load("madfam", "catalog")["team"]:
        created = ctx.now - parse_ago(raw["created_ago"])
        yield (
            user_ids[raw["key"]], raw["email"], raw["name"], raw["role"],
            f"{_SITE}/team/{raw['key']}.jpg",
            None,  # magic-link sign-in (NextAuth): no password is stored
            naive(created + timedelta(minutes=10)), naive(created),
            naive(created + timedelta(days=1)),
        )  # fmt: skip


def _sessions(ctx: SeedContext, user_ids: dict[str, str]) -> Iterator[Row]:
    ids = ctx.ids("sesn")
    rng = ctx.rng("sessions")
    n = 0
    for raw in load("madfam", "catalog")["team"]:
        for _ in range(rng.randint(1, 3)):
            n += 1
            # Stand-ins, not secrets: reproducible from the seed like every seeded token.
            token = ctx.digest("session-token", n, size=64)
            expires = ctx.now + timedelta(days=rng.uniform(-10, 30))
            yield (ids(n), token, user_ids[raw["key"]], naive(expires))


def _flags(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("flag")
    for n, raw in enumerate(load("madfam", "catalog")["flags"], 1):
        flag_rule(
            key=check_flag_key(raw["key"]), enabled=raw["enabled"], enabled_dev=raw["dev"],
            enabled_staging=raw["staging"], enabled_prod=raw["prod"],
            rollout_percentage=raw["rollout"], groups=raw["groups"],
        )  # fmt: skip
        created = ctx.now - parse_ago(raw["created_ago"])
        yield (
            ids(n), raw["key"], raw["name"], raw["description"], raw["enabled"], raw["dev"],
            raw["staging"], raw["prod"], raw["rollout"], _json(raw["groups"]), naive(created),
            naive(created + timedelta(days=3)),
        )  # fmt: skip


def _sealer(ctx: SeedContext) -> tuple[Callable[[str, str], str] | None, str | None]:
    """Seal with the repository's SecretBox (the key from the environment).

    Fernet picks a fresh random IV per token, so with a key set the ciphertext columns differ
    from run to run (what they decrypt to does not); without a key nothing secret is stored.
    """
    del ctx  # the sealing is the repository's, not the seed's
    key = os.environ.get(KEY_VARIABLE)
    if not key:
        return None, f"{KEY_VARIABLE} is not set"
    try:
        box = SecretBox(key)
    except SecretsUnavailable as exc:
        return None, str(exc)

    def seal(label: str, text: str) -> str:
        del label
        return box.seal(text)

    return seal, None


def _integrations(ctx: SeedContext, notes: list[str]) -> Iterator[Row]:
    ids = ctx.ids("intg")
    seal, problem = _sealer(ctx)
    if seal is None:
        notes.append(
            f"integrations: {problem}, so no secret was stored (apiKey and webhookUrl NULL, "
            "config {}, "
            "integrations disabled); set it and re-seed madfam with --reset to store them "
            "encrypted"
        )
    for n, raw in enumerate(load("madfam", "catalog")["integrations"], 1):
        created = ctx.ago(days=120 - 10 * n)
        last = ctx.now - parse_ago(raw["last_sync_ago"]) if raw["last_sync_ago"] else None
        if seal is None:
            config, api_key, webhook, enabled = "{}", None, None, False
        else:
            secret = f"{raw['key_prefix']}{ctx.digest('api-key', raw['name'], size=32)}"
            api_key = seal(f"{raw['name']}:apiKey", secret)
            config = json.dumps({"$encrypted": seal(f"{raw['name']}:config",
                                                    json.dumps(raw["config"]))})  # fmt: skip
            enabled = raw["enabled"]
            webhook = seal(f"{raw['name']}:webhookUrl", raw["webhook"]) if raw["webhook"] else None
        yield (
            ids(n), raw["name"], enabled, config, webhook, api_key,
            naive(last) if last else None, naive(created), naive(last or created),
        )  # fmt: skip


async def seed(ctx: SeedContext, out: BulkWriter) -> list[str]:
    notes: list[str] = []
    team = load("madfam", "catalog")["team"]
    user_id = ctx.ids("user")
    user_ids = {raw["key"]: user_id(n) for n, raw in enumerate(team, 1)}
    await out.copy("User", USER_COLUMNS, _team(ctx, user_ids), total=len(team))
    await out.copy("Session", SESSION_COLUMNS, _sessions(ctx, user_ids))
    await out.copy("FeatureFlag", FLAG_COLUMNS, _flags(ctx))
    await out.copy("Integration", INTEGRATION_COLUMNS, _integrations(ctx, notes))

    owners = [user_ids[raw["key"]] for raw in team if raw["role"] in ("ADMIN", "EDITOR")]
    leads = _Leads(ctx, owners)
    # One counting pass for exact progress totals (leads are rebuilt per table anyway).
    sizes: Counter[str] = Counter()
    for n in range(1, leads.total + 1):
        lead = leads.build(n)
        sizes.update(
            notes=len(lead.notes), activities=len(lead.activities), events=len(lead.events),
            emails=len(lead.emails), assessments=len(lead.assessments),
            calculations=len(lead.calculations),
        )  # fmt: skip
    await out.copy("Lead", LEAD_COLUMNS, _leads(leads), total=leads.total)
    for table, name, columns in (
        ("notes", "LeadNote", NOTE_COLUMNS),
        ("activities", "LeadActivity", ACTIVITY_COLUMNS),
        ("assessments", "Assessment", ASSESSMENT_COLUMNS),
        ("calculations", "Calculation", CALCULATION_COLUMNS),
        ("events", "AnalyticsEvent", EVENT_COLUMNS),
        ("emails", "EmailQueue", EMAIL_COLUMNS),
    ):
        await out.copy(name, columns, _children(leads, table), total=sizes[table])
    return notes
