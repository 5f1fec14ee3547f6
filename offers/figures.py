"""Internal figures of referrals out and what came of them (coordinators; never in a municipality's report).

For a municipality M and a period P = [start, end] (both dates inclusive): the referrals of
residents of M (by their team) dated in P, each counted once under what came of it as recorded
now: arrived, started, did not start, or no news yet. Broken down by whose offer it was (our
own group, a partner organisation's, a residents' initiative) and per partner organisation.
Counting happens in the database (``COUNT(*) FILTER (WHERE …)`` per group); the page shows real
numbers (internal, like the dashboard).
"""

from django.db.models import Count, Q

from .models import Offer, Referral

OUTCOMES = [value for value in Referral.Outcome.values if value != Referral.Outcome.PENDING] + [
    Referral.Outcome.PENDING
]
COLUMNS = ["referred", *OUTCOMES]


def _counts() -> dict:
    counts = {"referred": Count("pk")}
    counts.update({outcome: Count("pk", filter=Q(outcome=outcome)) for outcome in OUTCOMES})
    return counts


def referrals_in(municipality, period):
    """The referrals the figures count: residents of ``municipality``, dated in ``period``."""
    return Referral.objects.filter(
        participant__team__municipality=municipality, date__gte=period.start, date__lte=period.end
    )


def referral_figures(municipality, period) -> dict:
    """``{"total": {column: n}, "by_source": [{source, label, column: n}], "by_partner": [{partner, name, …}]}``.

    Three aggregate queries. Every source is listed (with zeros), so a missing kind of offer shows.
    """
    rows = referrals_in(municipality, period)
    total = rows.aggregate(**_counts())
    per_source = {row["offer__source"]: row for row in rows.values("offer__source").annotate(**_counts())}
    by_source = []
    for source, label in Offer.Source.choices:
        row = per_source.get(source, {})
        by_source.append({"source": source, "label": label, **{column: row.get(column, 0) for column in COLUMNS}})
    by_partner = [
        {"partner": row["offer__partner"], "name": row["offer__partner__name"],
         **{column: row[column] for column in COLUMNS}}
        for row in rows.filter(offer__partner__isnull=False)
        .values("offer__partner", "offer__partner__name")
        .annotate(**_counts())
        .order_by("offer__partner__name", "offer__partner")
    ]
    return {"total": total, "by_source": by_source, "by_partner": by_partner, "columns": COLUMNS}
