"""Staff: a login's tier and department, and the Django group that carries the tier's
permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from complaints import locking
from complaints.models import Department, StaffProfile, Tier

TIER_GROUPS = {
    Tier.FRONTLINE: "Frontline",
    Tier.MANAGER: "Department manager",
    Tier.GM: "General manager",
    Tier.AUDITOR: "Auditor",
}


def set_staff_profile(user, *, tier: str, department: Department | None, by=None) -> StaffProfile:
    """Give ``user`` a tier and department, and make their Django group match the tier.

    The groups carry the permissions (created by migration, editable in the admin), so the
    tier is what an operator sees and changes. History: the profile's row.
    """
    with transaction.atomic():
        profile, _created = locking.locked_rows(StaffProfile.objects, no_key=False).get_or_create(
            user=user, defaults={"tier": tier, "department": department}
        )
        profile.tier = tier
        profile.department = department
        profile._history_user = by
        profile.save(update_fields=["tier", "department"])
        tier_groups = Group.objects.filter(name__in=TIER_GROUPS.values())
        user.groups.remove(*tier_groups)
        user.groups.add(Group.objects.get(name=TIER_GROUPS[tier]))
        if tier in (Tier.FRONTLINE, Tier.MANAGER, Tier.GM, Tier.AUDITOR) and not user.is_staff:
            # The Django admin is one of the staff surfaces; access is still scoped by tier.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    # The user object caches permissions and the profile; drop both.
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)
    user.staff_profile = profile
    return profile
