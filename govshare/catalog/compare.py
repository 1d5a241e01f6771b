"""Comparing two versions of a resource: which metadata changed, which data items were added,
removed or changed (items are matched by their stable identifier)."""

from dataclasses import dataclass, field

from .models import DataItem, ResourceVersion

COMPARED_FIELDS = ("name", "summary", "classification", "keywords", "format", "share_type",
                   "share_conditions", "legal_basis", "share_modes", "open_type",
                   "open_conditions", "update_cycle", "contact", "change_reason",
                   "change_description")
COMPARED_ITEM_FIELDS = ("name", "data_type", "length", "description", "element", "is_key",
                        "is_source")


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass
class Comparison:
    old: ResourceVersion
    new: ResourceVersion
    fields: list[Change] = field(default_factory=list)
    items_added: list[DataItem] = field(default_factory=list)
    items_removed: list[DataItem] = field(default_factory=list)
    items_changed: list[tuple[str, list[Change]]] = field(default_factory=list)

    @property
    def is_empty(self):
        return not (self.fields or self.items_added or self.items_removed or self.items_changed)


def _shown(obj, name):
    """A field's value as a person reads it (choice labels, not codes)."""
    value = getattr(obj, name)
    display = getattr(obj, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if name == "share_modes":
        return "、".join(str(label) for label in obj.share_mode_labels)
    if isinstance(value, bool):
        return "✓" if value else ""
    return "" if value is None else str(value)


def _changes(old, new, names):
    found = []
    for name in names:
        before, after = _shown(old, name), _shown(new, name)
        if before != after:
            found.append(Change(name, str(old._meta.get_field(name).verbose_name), before, after))
    return found


def compare_versions(old: ResourceVersion, new: ResourceVersion) -> Comparison:
    comparison = Comparison(old, new, fields=_changes(old, new, COMPARED_FIELDS))
    old_items = {i.identifier: i for i in old.items.select_related("element")}
    new_items = {i.identifier: i for i in new.items.select_related("element")}
    comparison.items_added = [i for k, i in new_items.items() if k not in old_items]
    comparison.items_removed = [i for k, i in old_items.items() if k not in new_items]
    for identifier, item in new_items.items():
        if identifier in old_items:
            changes = _changes(old_items[identifier], item, COMPARED_ITEM_FIELDS)
            if changes:
                comparison.items_changed.append((identifier, changes))
    return comparison
