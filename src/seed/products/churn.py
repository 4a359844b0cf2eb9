"""churn (001): 100 customers with varying churn risk, and everything consistent with them.

The customers come from four behaviour archetypes (``seeds/churn/archetypes.json``):
loyal, cooling, at risk and churning. Each customer's orders and events are drawn from
streams of their own (``ctx.rng("orders", n)``, ``ctx.rng("events", n)``). They are
generated once, customer by customer, and stream into their tables (one COPY of the
customer's orders, then one of its events) while the project's own rule, fed one row at a
time (:class:`domainlayer.churn.rules.MetricsAccumulator`, what ``behaviour_metrics``
uses), computes the customer's metrics from exactly those rows. The customers are written
first (the orders reference them) and get their metrics in one ``UPDATE`` at the end. Of a
customer's orders only the latest few (for tickets) and those inside the 90-day event
window (for their events) are held at a time.

Predictions are weekly over the 30-day retention window; the customer's probability, risk
level (:func:`~domainlayer.churn.rules.risk_level`) and ``lastPredictionAt`` are its latest
one's. Alerts are those the repository would have raised replaying the predictions in
order (:func:`~domainlayer.churn.rules.should_alert`), worded as it words them. Support
tickets are counted in ``supportTicketCount`` and logged as ``ticket_created`` events.
``--scale K`` multiplies orders, customer events and system-metric points by K.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from domainlayer.churn.rules import (
    ALERTING_LEVELS,
    LOGIN_WINDOW,
    BehaviourMetrics,
    MetricsAccumulator,
    RiskLevel,
    risk_level,
    should_alert,
)
from seed.bulk import BulkWriter, Row
from seed.context import SeedContext
from seed.fixtures import load, parse_ago

__all__ = ["seed"]

#: The customer-event retention window (events are seeded inside it).
EVENT_WINDOW_DAYS: Final = 90
#: Days between two predictions of a customer; the latest is at most this old.
PREDICTION_EVERY_DAYS: Final = 7
#: Predictions per customer (all inside the 30-day prediction retention).
PREDICTIONS: Final = 4
#: A ticket is about one of the customer's latest orders (this many are kept at hand).
RECENT_ORDERS: Final = 20

_CENT: Final = Decimal("0.01")
_LOCALES: Final = {
    "US": "en_US", "CA": "en_CA", "GB": "en_GB", "DE": "de_DE", "AU": "en_AU", "NL": "nl_NL",
}  # fmt: skip
_DEVICES: Final = ("desktop", "desktop", "mobile", "mobile", "mobile", "tablet")
_ACCOUNT_EVENTS: Final = (
    ("ACCOUNT", "profile_updated"),
    ("ACCOUNT", "password_changed"),
    ("PAYMENT", "payment_method_updated"),
    ("ACCOUNT", "address_updated"),
)
_DECLINES: Final = ("card_declined", "insufficient_funds", "expired_card", "3ds_failed")

CUSTOMER_COLUMNS: Final = (
    "id", "email", "firstName", "lastName", "phone", "dateOfBirth", "country", "city",
    "segment", "isActive", "totalOrders", "totalSpent", "averageOrderValue",
    "emailEngagementRate", "loginFrequency", "supportTicketCount", "productReturns",
    "paymentFailures", "discountUsageRate", "loyaltyPoints", "accountAgeDays",
    "churnProbability", "riskLevel", "lastPredictionAt", "lastOrderAt", "lastLoginAt",
    "lastActivityAt", "createdAt", "updatedAt",
)  # fmt: skip
ORDER_COLUMNS: Final = (
    "id", "orderNumber", "customerId", "status", "paymentMethod", "paymentStatus",
    "shippingAddress", "shippingMethod", "trackingNumber", "items", "itemCount", "subtotal",
    "tax", "shippingCost", "discount", "total", "currency", "orderedAt", "shippedAt",
    "deliveredAt", "cancelledAt", "refundedAt", "createdAt", "updatedAt",
)  # fmt: skip
EVENT_COLUMNS: Final = (
    "id", "customerId", "orderId", "category", "eventType", "sessionId", "deviceType",
    "eventData", "occurredAt",
)  # fmt: skip
MODEL_COLUMNS: Final = (
    "id", "version", "name", "algorithm", "description", "accuracy", "precision", "recall",
    "f1Score", "auc", "features", "hyperparameters", "trainingDataInfo", "trainingSamples",
    "trainedAt", "deployedAt", "isActive", "createdAt",
)  # fmt: skip
PREDICTION_COLUMNS: Final = (
    "id", "customerId", "churnProbability", "riskLevel", "confidence", "featureImportance",
    "recommendations", "modelVersion", "predictedAt",
)  # fmt: skip
ALERT_COLUMNS: Final = (
    "id", "customerId", "type", "priority", "status", "title", "message", "riskLevel",
    "eventData", "acknowledgedAt", "acknowledgedBy", "resolvedAt", "resolvedBy", "resolution",
    "createdAt", "updatedAt",
)  # fmt: skip
TICKET_COLUMNS: Final = (
    "id", "ticketNumber", "customerId", "subject", "description", "category", "priority",
    "status", "channel", "assignedTo", "resolution", "satisfactionScore", "messages", "tags",
    "createdAt", "updatedAt", "firstResponseAt", "resolvedAt", "closedAt",
)  # fmt: skip
METRIC_COLUMNS: Final = ("id", "metricName", "metricType", "value", "unit", "tags", "recordedAt")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, ROUND_HALF_UP)


def _between(rng: random.Random, bounds: Sequence[int]) -> int:
    return rng.randint(int(bounds[0]), int(bounds[1]))


def _uniform(rng: random.Random, bounds: Sequence[float]) -> float:
    return rng.uniform(float(bounds[0]), float(bounds[1]))


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


# Plans: what is decided per customer before any row is written --------------------------


@dataclass(frozen=True, slots=True)
class _Order:
    """One order: its row, and the OrderFacts the metrics read."""

    number: int
    status: str
    total: Decimal
    discount: Decimal
    orderedAt: datetime
    row: Row


@dataclass(frozen=True, slots=True)
class _Event:
    """One customer event: the EventFacts the metrics read, and the rest of its row."""

    eventType: str
    occurredAt: datetime
    category: str
    order_id: str | None
    device: str
    data: dict[str, Any]


@dataclass(slots=True)
class _Ticket:
    created: datetime
    row: Row


@dataclass(slots=True)
class _Prediction:
    at: datetime
    probability: float
    level: RiskLevel
    version: str


@dataclass(slots=True)
class _Customer:
    n: int
    id: str
    archetype: dict[str, Any]
    first: str
    last: str
    email: str
    phone: str
    birth: date
    country: str
    city: str
    address: dict[str, str]
    created: datetime
    last_order_days: int
    orders: int
    order_offset: int
    is_active: bool
    email_engagement: float
    predictions: list[_Prediction] = field(default_factory=list)
    tickets: list[_Ticket] = field(default_factory=list)
    metrics: BehaviourMetrics | None = None
    events: int = 0


def _postcode(rng: random.Random, pattern: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(
        str(rng.randint(0, 9)) if ch == "#" else rng.choice(letters) if ch == "A" else ch
        for ch in pattern
    )


def _plans(ctx: SeedContext) -> list[_Customer]:
    """The 100 customers (profile, archetype, order count and offset, predictions)."""
    archetypes = load("churn", "archetypes")["archetypes"]
    countries = load("churn", "geography")["countries"]
    deployments = _deployments(ctx)
    kinds = [a for a in archetypes for _ in range(int(a["customers"]))]
    ctx.rng("archetypes").shuffle(kinds)
    customer_id = ctx.ids("cust")
    fakers = {code: ctx.faker(locale) for code, locale in _LOCALES.items()}
    plans: list[_Customer] = []
    offset = 0
    for n, kind in enumerate(kinds, 1):
        rng = ctx.rng("customer", n)
        country = rng.choices(countries, weights=[c["weight"] for c in countries])[0]
        fake = fakers[country["code"]]
        first, last = str(fake.first_name()), str(fake.last_name())
        city = rng.choice(country["cities"])
        last_order = _between(rng, kind["last_order_days"])
        age = max(_between(rng, kind["account_age_days"]), last_order + 45)
        created = ctx.now - timedelta(days=age, hours=rng.random() * 24)
        orders = ctx.scaled(_between(rng, kind["orders"]))
        domain = rng.choice(("example.com", "example.net", "example.org"))
        plan = _Customer(
            n=n,
            id=customer_id(n),
            archetype=kind,
            first=first,
            last=last,
            email=f"{_ascii(first)}.{_ascii(last)}.{n}@{domain}",
            phone=str(fake.phone_number()),
            birth=(ctx.now - timedelta(days=rng.randint(18 * 365, 75 * 365))).date(),
            country=country["code"],
            city=city,
            address={
                "line1": str(fake.street_address()),
                "city": city,
                "postcode": _postcode(rng, country["postcode"]),
                "country": country["code"],
            },
            created=created,
            last_order_days=last_order,
            orders=orders,
            order_offset=offset,
            is_active=kind["name"] != "churning" or rng.random() < 0.7,
            email_engagement=round(_uniform(rng, kind["email_engagement"]), 3),
        )
        plan.predictions = _predictions(ctx, plan, deployments)
        plans.append(plan)
        offset += orders
    return plans


def _deployments(ctx: SeedContext) -> list[tuple[datetime, str]]:
    """(deployed at, version), oldest first."""
    versions = load("churn", "models")["versions"]
    return sorted((ctx.now - parse_ago(v["deployed_ago"]), v["version"]) for v in versions)


def _predictions(
    ctx: SeedContext, plan: _Customer, deployments: list[tuple[datetime, str]]
) -> list[_Prediction]:
    """Weekly predictions, oldest first; the latest carries the archetype's probability."""
    rng = ctx.rng("predictions", plan.n)
    latest = _uniform(rng, plan.archetype["probability"])
    trend = _uniform(rng, plan.archetype["trend"])
    newest = ctx.now - timedelta(hours=2 + rng.random() * (PREDICTION_EVERY_DAYS * 24 - 4))
    out = []
    for back in range(PREDICTIONS - 1, -1, -1):
        at = newest - timedelta(days=PREDICTION_EVERY_DAYS * back, minutes=rng.random() * 90)
        wobble = 0.0 if back == 0 else rng.uniform(-0.03, 0.03)
        probability = round(min(0.99, max(0.01, latest - trend * back + wobble)), 4)
        version = [v for deployed, v in deployments if deployed <= at][-1]
        out.append(_Prediction(at, probability, risk_level(probability), version))
    return out


# Orders, tickets and events of one customer ----------------------------------------------


def _orders(ctx: SeedContext, plan: _Customer) -> Iterator[_Order]:
    """The customer's orders, oldest first, always the same for the same seed."""
    catalog = load("churn", "catalog")
    products = catalog["products"]
    tax_rate = Decimal(catalog["tax_rate"])
    free_from = Decimal(catalog["free_shipping_from"])
    shipping = Decimal(catalog["shipping_cost"])
    kind = plan.archetype
    rng = ctx.rng("orders", plan.n)
    order_id = ctx.ids("ordr")
    first = plan.created + timedelta(days=1)
    last = ctx.now - timedelta(days=plan.last_order_days, hours=1 + rng.random() * 20)
    span = max(0.0, (last - first).total_seconds())
    moments = sorted(first + timedelta(seconds=rng.random() * span) for _ in range(plan.orders - 1))
    if plan.orders:
        moments.append(last)
    for k, ordered in enumerate(moments):
        number = plan.order_offset + k + 1
        lines = []
        for product in rng.sample(products, rng.choice((1, 1, 1, 2, 2, 3))):
            lines.append(
                {
                    "sku": product["sku"],
                    "name": product["name"],
                    "quantity": rng.choice((1, 1, 1, 2)),
                    "unitPrice": product["price"],
                }
            )
        subtotal = sum((Decimal(i["unitPrice"]) * i["quantity"] for i in lines), Decimal(0))
        discount = Decimal(0)
        if rng.random() < float(kind["discount_share"]):
            percent = rng.choice(catalog["discounts_percent"])
            discount = _money(subtotal * percent / 100)
        net = subtotal - discount
        cost = Decimal(0) if net >= free_from else shipping
        method = rng.choice(catalog["shipping_methods"])
        if method != "standard":
            cost += Decimal("9.00") if method == "express" else Decimal("19.00")
        tax = _money(net * tax_rate)
        total = net + tax + cost
        age = ctx.now - ordered
        roll = rng.random()
        if roll < float(kind["cancel_share"]):
            status = "CANCELLED"
        elif age < timedelta(days=1):
            status = "PENDING" if roll < 0.5 else "PROCESSING"
        elif age < timedelta(days=4):
            status = "SHIPPED"
        elif roll < float(kind["cancel_share"]) + float(kind["return_share"]):
            status = "REFUNDED" if rng.random() < 0.5 else "RETURNED"
        else:
            status = "DELIVERED"
        shipped = delivered = cancelled = refunded = None
        if status == "CANCELLED":
            cancelled = min(ordered + timedelta(hours=1 + rng.random() * 20), ctx.now)
        if status in ("SHIPPED", "DELIVERED", "RETURNED", "REFUNDED"):
            shipped = ordered + timedelta(hours=12 + rng.random() * 36)
        if status in ("DELIVERED", "RETURNED", "REFUNDED"):
            assert shipped is not None
            delivered = shipped + timedelta(days=1 + rng.random() * 2)
        if status == "REFUNDED":
            assert delivered is not None
            refunded = min(delivered + timedelta(days=3 + rng.random() * 10), ctx.now)
        payment = {
            "PENDING": "pending",
            "CANCELLED": "refunded" if rng.random() < 0.7 else "failed",
            "REFUNDED": "refunded",
        }.get(status, "paid")
        touched = max(m for m in (ordered, shipped, delivered, cancelled, refunded) if m)
        tracking = None
        if shipped is not None:
            tracking = f"1Z{rng.getrandbits(56):017d}"[:18]
        row = (
            order_id(number), f"ORD-{number:08d}", plan.id, status,
            rng.choice(catalog["payment_methods"]), payment, _json(plan.address), method,
            tracking, _json(lines), sum(int(i["quantity"]) for i in lines), _money(subtotal),
            tax, _money(cost), discount, _money(total), "USD", ordered, shipped, delivered,
            cancelled, refunded, ordered, touched,
        )  # fmt: skip
        yield _Order(number, status, _money(total), discount, ordered, row)


def _tickets(
    ctx: SeedContext, plan: _Customer, orders: Sequence[_Order], first_number: int
) -> list[_Ticket]:
    """The customer's support tickets (not scaled), about one of their orders."""
    support = load("churn", "support")
    rng = ctx.rng("tickets", plan.n)
    ticket_id = ctx.ids("tick")
    kind = plan.archetype
    recent = kind["name"] in ("at_risk", "churning")
    out: list[_Ticket] = []
    for k in range(_between(rng, kind["tickets"])):
        number = first_number + k
        topic = rng.choice(support["categories"])
        # Troubled customers wrote recently; others at any time after an order.
        if orders and topic["category"] != "account":
            order = orders[rng.randrange(len(orders))]
            if recent and orders:
                order = orders[-1 - min(rng.randrange(3), len(orders) - 1)]
            created = order.orderedAt + timedelta(days=2 + rng.random() * 10)
            reference = str(order.row[1])
        else:
            created = ctx.now - timedelta(days=rng.random() * 120)
            reference = "-"
        created = max(plan.created, min(created, ctx.now - timedelta(hours=3)))
        age = ctx.now - created
        if age < timedelta(days=2):
            status = rng.choice(("OPEN", "IN_PROGRESS"))
        elif age < timedelta(days=10):
            status = rng.choice(("IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED"))
        else:
            status = rng.choice(("RESOLVED", "CLOSED", "CLOSED"))
        responded = None
        if status != "OPEN":
            responded = created + timedelta(hours=0.5 + rng.random() * 20)
        resolved = closed = None
        if status in ("RESOLVED", "CLOSED"):
            assert responded is not None
            resolved = min(responded + timedelta(days=rng.random() * 4), ctx.now)
        if status == "CLOSED":
            assert resolved is not None
            closed = min(resolved + timedelta(days=2 + rng.random() * 3), ctx.now)
        agent = None if status == "OPEN" else rng.choice(support["agents"])
        messages = [{"from": "customer", "body": topic["description"].format(order=reference),
                     "at": created.isoformat()}]  # fmt: skip
        if responded is not None:
            messages.append({"from": agent, "body": "Thanks for reaching out, we are on it.",
                             "at": responded.isoformat()})  # fmt: skip
        if resolved is not None:
            messages.append({"from": agent, "body": topic["resolution"],
                             "at": resolved.isoformat()})  # fmt: skip
        priority = rng.choice(("LOW", "MEDIUM", "MEDIUM", "HIGH"))
        if recent and rng.random() < 0.4:
            priority = rng.choice(("HIGH", "URGENT"))
        tags = sorted(set(rng.sample(support["tags"], rng.randint(0, 2))))
        if recent and "churn_risk" not in tags:
            tags.append("churn_risk")
        score = None
        if resolved is not None and rng.random() < 0.7:
            score = rng.randint(1, 3) if recent else rng.randint(3, 5)
        touched = max(m for m in (created, responded, resolved, closed) if m)
        row = (
            ticket_id(number), f"TCK-{number:06d}", plan.id, rng.choice(topic["subjects"]),
            topic["description"].format(order=reference), topic["category"], priority, status,
            rng.choice(support["channels"]), agent,
            topic["resolution"] if resolved is not None else None, score, _json(messages), tags,
            created, touched, responded, resolved, closed,
        )  # fmt: skip
        out.append(_Ticket(created, row))
    return out


def _events(ctx: SeedContext, plan: _Customer, orders: Sequence[_Order]) -> Iterator[_Event]:
    """The customer's events in the 90-day window: orders, tickets, engagement, payments."""
    rng = ctx.rng("events", plan.n)
    kind = plan.archetype
    window = ctx.now - timedelta(days=EVENT_WINDOW_DAYS)
    order_id = ctx.ids("ordr")
    catalog = load("churn", "catalog")["products"]
    for order in orders:
        if order.orderedAt < window:
            continue
        oid = order_id(order.number)
        data = {"orderNumber": order.row[1], "total": str(order.total)}
        yield _Event("order_placed", order.orderedAt, "ORDER", oid, rng.choice(_DEVICES), data)
        cancelled, refunded = order.row[20], order.row[21]
        if cancelled is not None:
            yield _Event("order_cancelled", cancelled, "ORDER", oid, "desktop", data)
        if refunded is not None:
            yield _Event("refund", refunded, "ORDER", oid, "desktop", data)
    for ticket in plan.tickets:
        if ticket.created >= window:
            data = {"ticketNumber": ticket.row[1], "category": ticket.row[5]}
            yield _Event("ticket_created", ticket.created, "SUPPORT", None, "desktop", data)
            if ticket.row[6] == "URGENT":
                yield _Event("escalation", ticket.created + timedelta(hours=2), "SUPPORT",
                             None, "desktop", data)  # fmt: skip

    def moments(count: int, newest_days: float, oldest_days: float) -> Iterator[datetime]:
        for _ in range(ctx.scaled(count)):
            yield ctx.now - timedelta(days=rng.uniform(newest_days, oldest_days))

    login_days = LOGIN_WINDOW.days
    for at in moments(_between(rng, kind["logins_30d"]), 0.01, login_days - 0.01):
        yield _Event("login", at, "ENGAGEMENT", None, rng.choice(_DEVICES), {"method": "password"})
    for at in moments(_between(rng, kind["logins_60d"]), login_days + 0.01, EVENT_WINDOW_DAYS):
        yield _Event("login", at, "ENGAGEMENT", None, rng.choice(_DEVICES), {"method": "password"})
    window_days = EVENT_WINDOW_DAYS - 0.01
    for at in moments(_between(rng, kind["email_opens"]), 0.01, window_days):
        data = {"campaign": rng.choice(("weekly_digest", "new_arrivals", "win_back", "sale"))}
        yield _Event("email_open", at, "ENGAGEMENT", None, "mobile", data)
    for at in moments(_between(rng, kind["product_views"]), 0.01, window_days):
        sku = rng.choice(catalog)["sku"]
        yield _Event("product_view", at, "ENGAGEMENT", None, rng.choice(_DEVICES), {"sku": sku})
    for at in moments(_between(rng, kind["cart_abandons"]), 0.01, window_days):
        sku = rng.choice(catalog)["sku"]
        yield _Event("cart_abandoned", at, "ENGAGEMENT", None, rng.choice(_DEVICES), {"sku": sku})
    for at in moments(_between(rng, kind["payment_failures"]), 0.01, window_days):
        data = {"reason": rng.choice(_DECLINES), "amount": f"{rng.uniform(15, 250):.2f}"}
        yield _Event("payment_failed", at, "PAYMENT", None, rng.choice(_DEVICES), data)
    for at in moments(_between(rng, kind["account_changes"]), 0.01, window_days):
        category, name = rng.choice(_ACCOUNT_EVENTS)
        yield _Event(name, at, category, None, "desktop", {"source": "account_settings"})


# Table generators ------------------------------------------------------------------------


def _customer_rows(ctx: SeedContext, plans: Sequence[_Customer]) -> Iterator[Row]:
    """Profiles and the latest prediction; the behaviour metrics are zero until the orders
    and events that make them are written (then ``_METRICS_UPDATE`` sets them)."""
    for plan in plans:
        latest = plan.predictions[-1]
        yield (
            plan.id, plan.email, plan.first, plan.last, plan.phone, plan.birth, plan.country,
            plan.city, plan.archetype["segment"], plan.is_active, 0, Decimal(0), Decimal(0),
            plan.email_engagement, 0.0, 0, 0, 0, 0.0, 0,
            max(0, (ctx.now - plan.created).days), latest.probability, latest.level.value,
            latest.at, None, None, None, plan.created, max(latest.at, plan.created),
        )  # fmt: skip


_METRICS_UPDATE: Final = """
UPDATE churn."Customer" SET
    "totalOrders" = $2, "totalSpent" = $3, "averageOrderValue" = $4,
    "loginFrequency" = $5, "supportTicketCount" = $6, "productReturns" = $7,
    "paymentFailures" = $8, "discountUsageRate" = $9, "loyaltyPoints" = $10,
    "accountAgeDays" = $11, "lastOrderAt" = $12, "lastLoginAt" = $13, "lastActivityAt" = $14,
    "updatedAt" = $15
WHERE id = $1
"""


def _metrics_args(plan: _Customer) -> tuple[Any, ...]:
    m = plan.metrics
    assert m is not None
    latest = plan.predictions[-1]
    touched = max(d for d in (latest.at, m.lastActivityAt, plan.created) if d)
    return (
        plan.id, m.totalOrders, m.totalSpent, m.averageOrderValue, m.loginFrequency,
        m.supportTicketCount, m.productReturns, m.paymentFailures, m.discountUsageRate,
        int(m.totalSpent), m.accountAgeDays, m.lastOrderAt, m.lastLoginAt, m.lastActivityAt,
        touched,
    )  # fmt: skip


def _order_rows(
    plan: _Customer,
    orders: Iterator[_Order],
    metrics: MetricsAccumulator,
    recent: deque[_Order],
    in_window: list[_Order],
    window: datetime,
) -> Iterator[Row]:
    """One customer's order rows, noting on the way what its metrics, tickets and events
    need: every order feeds the metrics; the last few stay for tickets, the ones in the
    event window for their events."""
    del plan
    for order in orders:
        metrics.add_order(order)
        recent.append(order)
        if order.orderedAt >= window:
            in_window.append(order)
        yield order.row


def _event_rows(
    ctx: SeedContext,
    plan: _Customer,
    orders: Sequence[_Order],
    metrics: MetricsAccumulator,
    numbering: list[int],
) -> Iterator[Row]:
    """One customer's event rows (``numbering`` = [events so far, sessions so far])."""
    event_id = ctx.ids("evnt")
    for event in _events(ctx, plan, orders):
        metrics.add_event(event)
        numbering[0] += 1
        if numbering[0] % 3 == 1:
            numbering[1] += 1
        yield (
            event_id(numbering[0]), plan.id, event.order_id, event.category, event.eventType,
            f"web-{ctx.digest('session', plan.n, numbering[1], size=20)}", event.device,
            _json(event.data), event.occurredAt,
        )  # fmt: skip


def _model_rows(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("mdlv")
    for n, raw in enumerate(load("churn", "models")["versions"], 1):
        trained = ctx.now - parse_ago(raw["trained_ago"])
        info = {
            "samples": raw["samples"],
            "window_days": 365,
            "positive_rate": 0.18,
            "source": "orders+customer_events+support_tickets",
        }
        yield (
            ids(n), raw["version"], raw["name"], raw["algorithm"], raw["description"],
            raw["accuracy"], raw["precision"], raw["recall"], raw["f1"], raw["auc"],
            _json(raw["features"]), _json(raw["hyperparameters"]), _json(info), raw["samples"],
            trained, ctx.now - parse_ago(raw["deployed_ago"]), raw["active"], trained,
        )  # fmt: skip


def _prediction_rows(ctx: SeedContext, plans: Sequence[_Customer]) -> Iterator[Row]:
    ids = ctx.ids("pred")
    features = {v["version"]: v["features"] for v in load("churn", "models")["versions"]}
    advice = load("churn", "support")["recommendations"]
    n = 0
    for plan in plans:
        rng = ctx.rng("importance", plan.n)
        for prediction in plan.predictions:
            n += 1
            names = features[prediction.version]
            weights = [rng.random() + 0.05 for _ in names]
            total = sum(weights)
            importance = {name: round(w / total, 4) for name, w in zip(names, weights, strict=True)}
            yield (
                ids(n), plan.id, prediction.probability, prediction.level.value,
                round(rng.uniform(0.62, 0.95), 3), _json(importance),
                _json(advice[prediction.level.value]), prediction.version, prediction.at,
            )  # fmt: skip


def _alert_rows(ctx: SeedContext, plans: Sequence[_Customer]) -> Iterator[Row]:
    """The alerts the repository raised recording each prediction in turn."""
    ids = ctx.ids("alrt")
    handlers = load("churn", "support")["alert_handlers"]
    n = 0
    for plan in plans:
        rng = ctx.rng("alerts", plan.n)
        previous = RiskLevel.LOW  # a new customer's level (the column's default)
        raised: list[tuple[_Prediction, RiskLevel]] = []
        for prediction in plan.predictions:
            if should_alert(previous, prediction.level):
                raised.append((prediction, previous))
            previous = prediction.level
        current = plan.predictions[-1].level
        for k, (prediction, before) in enumerate(raised):
            n += 1
            level = prediction.level
            latest = k == len(raised) - 1 and current in ALERTING_LEVELS
            created = prediction.at
            acknowledged = by = resolved = resolver = resolution = None
            status = "OPEN"
            if not latest or rng.random() < 0.45:
                acknowledged = created + timedelta(hours=0.5 + rng.random() * 30)
                acknowledged = min(acknowledged, ctx.now - timedelta(minutes=5))
                by = rng.choice(handlers)
                status = "ACKNOWLEDGED"
            if not latest:
                assert acknowledged is not None
                # Resolved alerts are kept 7 days: these were closed within the last week.
                start = max(acknowledged, ctx.now - timedelta(days=6.5))
                resolved = start + (ctx.now - start) * rng.uniform(0.1, 0.9)
                resolver = by
                status = "RESOLVED"
                resolution = (
                    f"Superseded: risk now {current.value}"
                    if current in ALERTING_LEVELS
                    else f"Risk fell to {current.value} after retention outreach"
                )
            touched = max(m for m in (created, acknowledged, resolved) if m)
            yield (
                ids(n), plan.id, "churn_risk", level.value, status,
                f"Churn risk rose to {level.value}",
                f"Churn probability {prediction.probability:.0%} "
                f"(was {before.value}, model {prediction.version})",
                level.value, _json({"probability": prediction.probability, "previous": before}),
                acknowledged, by, resolved, resolver, resolution, created, touched,
            )  # fmt: skip
    # Two alerts not about a customer: the last model rollout and a payment provider blip.
    n += 1
    deployed = ctx.now - timedelta(days=10)
    yield (
        ids(n), None, "model_drift", "MEDIUM", "ACKNOWLEDGED",
        "Prediction distribution shifted after 2.1.0 rollout",
        "Share of HIGH/CRITICAL predictions moved by more than 5 points within 24 h",
        None, _json({"model": "2.1.0", "previous_model": "2.0.0"}),
        deployed + timedelta(hours=20), "growth-oncall", None, None, None,
        deployed + timedelta(hours=18), deployed + timedelta(hours=20),
    )  # fmt: skip
    n += 1
    blip = ctx.now - timedelta(days=2, hours=5)
    yield (
        ids(n), None, "payment_failure", "HIGH", "RESOLVED",
        "Payment failure rate above 5%", "Card payments failing at 7.2% over 15 minutes",
        None, _json({"rate": 0.072, "window_minutes": 15}),
        blip + timedelta(minutes=6), "cs-lead", blip + timedelta(minutes=48), "cs-lead",
        "Payment provider incident ended; failed orders retried", blip,
        blip + timedelta(minutes=48),
    )  # fmt: skip


def _metric_rows(ctx: SeedContext, plans: Sequence[_Customer]) -> Iterator[Row]:
    """Tagged time series every 6/K hours over the last week; derived ones end at the data."""
    spec = load("churn", "metrics")
    points = int(spec["window_days"] * 24 / spec["interval_hours"])
    step = timedelta(hours=spec["interval_hours"]) / ctx.scale
    levels = [p.predictions[-1] for p in plans]
    derived = {
        "active_customers": float(sum(p.is_active for p in plans)),
        "high_risk_customers": float(sum(p.level in ALERTING_LEVELS for p in levels)),
        "open_alerts": float(_open_alerts(plans)),
        "average_churn_probability": sum(p.probability for p in levels) / len(levels),
    }
    rng = ctx.rng("metrics")
    n = 0
    for metric in spec["metrics"]:
        name = metric.get("derived")
        base = derived[name] if name else float(metric["base"])
        spread = float(metric["spread"])
        integral = metric["unit"] in ("customers", "alerts")
        for k in range(ctx.scaled(points)):
            n += 1
            value = base if k == 0 else base * (1 + rng.uniform(-spread, spread))
            value = float(round(value)) if integral else round(value, 6)
            yield (
                n, metric["name"], metric["type"], value, metric["unit"], _json(metric["tags"]),
                ctx.now - step * k - timedelta(minutes=1),
            )  # fmt: skip


def _open_alerts(plans: Sequence[_Customer]) -> int:
    """Customers whose latest alert is still open or acknowledged (one per such customer)."""
    count = 0
    for plan in plans:
        if plan.predictions[-1].level not in ALERTING_LEVELS:
            continue
        previous = RiskLevel.LOW
        raised = False
        for prediction in plan.predictions:
            raised = raised or should_alert(previous, prediction.level)
            previous = prediction.level
        count += raised
    return count


async def seed(ctx: SeedContext, out: BulkWriter) -> list[str]:
    plans = _plans(ctx)
    await out.copy("ModelVersion", MODEL_COLUMNS, _model_rows(ctx))
    await out.copy("Customer", CUSTOMER_COLUMNS, _customer_rows(ctx, plans), total=len(plans))
    # One pass, customer by customer: its orders (one COPY), then its tickets (from its
    # latest orders), then its events (one COPY); the metrics accumulate on the way.
    window = ctx.now - timedelta(days=EVENT_WINDOW_DAYS)
    tickets = 0
    numbering = [0, 0]
    tables = {"Order": ORDER_COLUMNS, "CustomerEvent": EVENT_COLUMNS}
    async with out.interleaved(tables) as copy:
        for plan in plans:
            metrics = MetricsAccumulator(customer_since=plan.created, now=ctx.now)
            recent: deque[_Order] = deque(maxlen=RECENT_ORDERS)
            in_window: list[_Order] = []
            orders = _orders(ctx, plan)
            await copy("Order", _order_rows(plan, orders, metrics, recent, in_window, window))
            plan.tickets = _tickets(ctx, plan, list(recent), tickets + 1)
            tickets += len(plan.tickets)
            await copy("CustomerEvent", _event_rows(ctx, plan, in_window, metrics, numbering))
            plan.metrics = metrics.result(support_tickets=len(plan.tickets))
    await out.executemany(_METRICS_UPDATE, [_metrics_args(p) for p in plans])
    await out.copy(
        "ChurnPrediction",
        PREDICTION_COLUMNS,
        _prediction_rows(ctx, plans),
        total=PREDICTIONS * len(plans),
    )
    await out.copy("Alert", ALERT_COLUMNS, _alert_rows(ctx, plans))
    await out.copy(
        "SupportTicket",
        TICKET_COLUMNS,
        (t.row for p in plans for t in p.tickets),
        total=tickets,
    )
    spec = load("churn", "metrics")
    points = int(spec["window_days"] * 24 / spec["interval_hours"]) * len(spec["metrics"])
    await out.copy(
        "SystemMetrics", METRIC_COLUMNS, _metric_rows(ctx, plans), total=ctx.scaled(points)
    )
    return []
