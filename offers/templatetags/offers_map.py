"""``{% offers_to_check request.user as checks %}``: the offers the user keeps up to date that were
not checked for six months ("Aanbod om te controleren"), for the start page
(templates/offers/_start_checks.html). One query; offers hold no residents' data (no audit)."""

from django import template

from offers import queries

register = template.Library()


@register.simple_tag
def offers_to_check(user) -> dict:
    rows, total = queries.to_check(user)
    return {"offers": rows, "total": total, "more": total - len(rows)}
