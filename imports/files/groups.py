"""groups.csv: groups (collectieven), matched on their external id; life domains as a set."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collectief.models import Framework, GroupKind, LifeDomain
from groups.models import Group

from ..columns import (
    MUNICIPALITY,
    NEIGHBOURHOOD,
    TEAM,
    Code,
    CodeSet,
    Date,
    ExternalId,
    Text,
    refuse_end_before_start,
)
from ..spec import BATCH, FileSpec, Referable


class Groups(FileSpec, name="groups.csv", order=20, model=Group):
    columns = (
        ExternalId(),
        Text("name", "name", required=True, max_length=120),
        Code("kind", "kind_id", source=GroupKind, required=True),
        Text("theme", "theme", max_length=200),
        CodeSet("life_domains", source=LifeDomain),
        Code("framework", "framework_id", source=Framework),
        MUNICIPALITY,
        TEAM,
        NEIGHBOURHOOD,
        Date("start_date", "start_date", required=True),
        Date("end_date", "end_date"),
        Code("status", "status", source=Group.Status, required=True),
        Date("handed_over_on", "handed_over_on", optional=True),
    )
    places = ("municipality", "team", "neighbourhood")
    referable = Referable(
        "group",
        unknown=gettext_lazy("Unknown group '%(value)s': not in groups.csv and not in the database."),
        failed=gettext_lazy("Group '%(value)s' was not imported because of errors in %(file)s line %(line)s."),
    )

    def check_row(self, ctx, row):
        refuse_end_before_start(row)
        handed_over = row.get("handed_over_on")
        if row.get("status") == Group.Status.SELF_RUNNING and not row.values.get("handed_over_on"):
            row.error(
                "handed_over_on",
                _("A self-running group needs a hand-over date (column handed_over_on, YYYY-MM-DD)."),
            )
        start = row.get("start_date")
        if handed_over and start and handed_over < start:
            row.error(
                "handed_over_on", _("The hand-over date %(date)s lies before the start date %(start)s.")
                % {"date": handed_over.isoformat(), "start": start.isoformat()},
            )

    def changed_besides_fields(self, ctx, rows, existing):
        """Groups whose set of life domains changed: they count (and are stamped) as updated."""
        through = Group.life_domains.through
        current: dict[int, set[str]] = {}
        ids = [group.pk for group in existing.values()]
        for group_id, domain in through.objects.filter(group_id__in=ids).values_list("group_id", "lifedomain_id"):
            current.setdefault(group_id, set()).add(domain)
        changed = {
            row.key for row in rows
            if row.key in existing and current.get(existing[row.key].pk, set()) != row.get("life_domains")
        }
        ctx.state["domains"] = {row.key[0]: row.get("life_domains") for row in rows}
        ctx.state["rewrite"] = [existing[key] for key in changed]
        return changed

    def after_save(self, ctx, rows, creates, updates):
        """Replace the set of every new group and of every group whose set changed."""
        through = Group.life_domains.through
        rewrite = list(creates) + ctx.state.get("rewrite", [])
        if ctx.state.get("rewrite"):
            through.objects.filter(group_id__in=[group.pk for group in ctx.state["rewrite"]]).delete()
        domains = ctx.state.get("domains", {})
        through.objects.bulk_create(
            [
                through(group_id=group.pk, lifedomain_id=domain)
                for group in rewrite
                for domain in sorted(domains[group.external_id])
            ],
            batch_size=BATCH,
        )
