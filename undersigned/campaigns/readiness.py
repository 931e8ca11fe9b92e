"""Is a campaign ready to go live? The launch checklist.

Blocking problems stop a launch outright: nothing to sign, nobody to write
to, or a targeting rule that reaches no postal code at all (every signer's
letter would wait forever). Gaps (a rule that reaches some areas but not all)
do not stop a launch, but the organiser must acknowledge them, and the
acknowledgement, with the list, goes into the audit log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from undersigned.areas.coverage import RuleCoverage, rule_coverage
from undersigned.areas.models import TargetRule

from .models import Campaign, FieldMode, Target

# What a campaign cannot go live without, as the builder names it.
REQUIRED = {
    "title": gettext_lazy("title"),
    "summary": gettext_lazy("summary"),
    "body": gettext_lazy("campaign page's text"),
    "organisation": gettext_lazy("name of who runs the campaign"),
    "letter_subject": gettext_lazy("letter's subject"),
    "letter_body": gettext_lazy("letter"),
}


@dataclass
class Checklist:
    campaign: Campaign
    problems: list[str] = field(default_factory=list)  # each stops the launch
    coverage: list[RuleCoverage] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # each must be acknowledged
    fixed_targets: list[Target] = field(default_factory=list)

    @property
    def can_launch(self) -> bool:
        return not self.problems

    @property
    def needs_acknowledgement(self) -> bool:
        return bool(self.gaps)


def gaps_digest(gaps: Sequence[str]) -> str:
    """Names exactly the list of gaps an organiser was shown and acknowledged."""
    return hashlib.sha256("\n".join(gaps).encode()).hexdigest()


def target_is_deliverable(target: Target) -> bool:
    if target.email or target.postal_address:
        return True
    official = target.official
    return official is not None and any(
        contact.kind in ("email", "postal") and contact.value for contact in official.contacts.all()
    )


def rule_gaps(coverage: RuleCoverage) -> list[str]:
    """What a rule misses, region by region, in words."""
    kind = coverage.label
    gaps = []
    for region in coverage.gaps():
        parts = []
        if region.linked < region.areas:
            parts.append(
                _("%(missing)d of %(areas)d have no postal codes linked")
                % {"missing": region.areas - region.linked, "areas": region.areas}
            )
        if region.reachable < region.areas:
            parts.append(
                _("%(missing)d of %(areas)d have no official with an e-mail or postal address")
                % {"missing": region.areas - region.reachable, "areas": region.areas}
            )
        gaps.append(f"{kind}, {region.name}: {'; '.join(parts)}")
    if coverage.regions_without:
        gaps.append(
            _("%(kind)s: none in our data for %(regions)s")
            % {"kind": kind, "regions": ", ".join(coverage.regions_without)}
        )
    unreached = coverage.postal_codes - coverage.postal_codes_reached
    if unreached and coverage.reaches_anyone:
        gaps.append(
            _(
                "%(kind)s: postal codes that lead to no area with an official to write to: "
                "%(n)d of %(total)d"
            )
            % {"kind": kind, "n": unreached, "total": coverage.postal_codes}
        )
    return gaps


def checklist(campaign: Campaign) -> Checklist:
    result = Checklist(campaign)
    problems = result.problems
    for name, label in REQUIRED.items():
        if not getattr(campaign, name).strip():
            problems.append(_("Fill in the %(field)s.") % {"field": label})
    rules = list(TargetRule.objects.filter(campaign=campaign))
    result.fixed_targets = list(
        Target.objects.filter(campaign=campaign)
        .select_related("official")
        .prefetch_related("official__contacts")
    )
    if not rules and not result.fixed_targets:
        problems.append(_("Choose whom the letter goes to (step 3)."))
    if rules and campaign.postal_code_field == FieldMode.OFF:
        problems.append(
            _("The letter goes to each signer's area: the form must ask for the postal code.")
        )
    for target in result.fixed_targets:
        if not target_is_deliverable(target):
            problems.append(
                _("%(target)s has neither an e-mail nor a postal address.") % {"target": target}
            )
    if result.fixed_targets and not campaign.delivery_rules.filter(kind="national").exists():
        problems.append(_("Say when the letter goes to the fixed targets (step 4)."))
    for rule in rules:
        coverage = rule_coverage(campaign.country, rule.division_type, rule.role_list)
        result.coverage.append(coverage)
        if not coverage.reaches_anyone:
            problems.append(
                _(
                    "No postal code leads to %(kind)s with an official to write to: no "
                    "signer's letter could be delivered. Import postal-code links and "
                    "officials for them first (docs/data-sources.md)."
                )
                % {"kind": coverage.label}
            )
        else:
            result.gaps.extend(rule_gaps(coverage))
    return result
