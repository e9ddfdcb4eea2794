"""The `[amocrm]` mapping turned into ids of this account, or a ConfigError naming the wrong key.

Config may name pipelines, statuses, fields, enum values and groups by id or by name; the account's
own lists (pipelines with archived statuses, every page of custom fields, user groups) decide what
each name means. Runs before the long downloads, so a typo costs seconds, not a full sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from salesglass.errors import ConfigError
from salesglass.sources.amocrm.config import AmoCRMConfig, FieldMapping, Ref

WON, LOST = 142, 143


@dataclass
class Resolved:
    pipelines: set[int]  # pipelines whose leads become deals
    stage_of: dict[tuple[int, int], str | None]  # every status of those pipelines → canonical stage (None: lost)
    known_statuses: set[tuple[int, int]]  # every (pipeline, status) in the account
    lead_fields: dict[str, int | None] = field(default_factory=dict)  # canonical name → field id
    company_fields: dict[str, int | None] = field(default_factory=dict)
    organizer: set[str] = field(default_factory=set)  # enum values (text) and enum ids (as text)
    operator: set[str] = field(default_factory=set)
    # type of each mapped field (select, multiselect, radiobutton, checkbox, numeric, text, …) by canonical name
    field_types: dict[str, str] = field(default_factory=dict)
    field_names: dict[str, str] = field(default_factory=dict)  # each mapped field's name in amoCRM, by canonical name
    # (field id, enum id) → enum value of every mapped field, for values sent as an enum id only
    enum_values: dict[tuple[int, int], str] = field(default_factory=dict)
    user_roles: dict[int, str] = field(default_factory=dict)
    group_roles: dict[int, str] = field(default_factory=dict)
    default_role: str = "sales"
    unmapped: list[str] = field(default_factory=list)  # statuses that fell back to `lead` (a warning)


def _same_name(item: dict, ref: str) -> bool:
    return str(item.get("name", "")).strip().casefold() == ref.strip().casefold()


def _renamed(ref: str, items: list[dict], before: list[dict] | None, what: str) -> str:
    """' — the {what} that had this name at the last sync (id N) is now named …' when `before` (the account's
    list as the last sync read it) tells so, else ''."""
    was = [it for it in before or [] if _same_name(it, ref)]
    now = {it["id"]: it for it in items}
    if len(was) != 1 or was[0]["id"] not in now:
        return ""
    pid = was[0]["id"]
    return (
        f": the {what} that had this name at the last sync (id {pid}) is now named {now[pid].get('name')!r} in "
        f"amoCRM. Write its new name, or its id {pid} (an id survives renames)"
    )


def _match(ref: Ref, items: list[dict], what: str, key: str, among: str, before: list[dict] | None = None) -> dict:
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        for it in items:
            if it["id"] == int(ref):
                return it
        raise ConfigError(f"[amocrm].{key}: no {what} with id {ref} {among}")
    found = [it for it in items if _same_name(it, ref)]
    if not found:
        renamed = _renamed(ref, items, before, what)
        if renamed:
            raise ConfigError(f"[amocrm].{key}: no {what} named {ref!r} {among}{renamed}")
        names = ", ".join(repr(it.get("name")) for it in items[:30])
        raise ConfigError(f"[amocrm].{key}: no {what} named {ref!r} {among} (there are: {names})")
    if len(found) > 1:
        raise ConfigError(
            f"[amocrm].{key}: {len(found)} {what}s are named {ref!r} {among}; use the id "
            f"({', '.join(str(f['id']) for f in found)})"
        )
    return found[0]


def _mapped_field(fields: FieldMapping, name: str, defined: list[dict], entity: str) -> dict | None:
    """The custom field `[amocrm].fields.<name>` names among the `entity`'s ("lead", "company") fields;
    None when the key is left out."""
    ref = getattr(fields, name)
    if ref is None:
        return None
    return _match(ref, defined, f"{entity} custom field", f"fields.{name}", f"among the {entity} fields")


def _remember(res: Resolved, name: str, definition: dict | None) -> None:
    """Keep a mapped field's type and enums: how its values are read depends on them."""
    if definition is None:
        return
    res.field_types[name] = str(definition.get("type") or "text")
    res.field_names[name] = str(definition.get("name") or definition.get("id"))
    for e in definition.get("enums") or []:
        if e.get("id") is not None:
            res.enum_values[(int(definition["id"]), int(e["id"]))] = str(e.get("value", ""))


def _statuses(p: dict) -> list[dict]:
    return list((p.get("_embedded") or {}).get("statuses") or [])


def resolve(
    amo: AmoCRMConfig,
    *,
    pipelines: list[dict],
    lead_fields: list[dict],
    company_fields: list[dict],
    users: list[dict],
    groups: list[dict],
    before: list[dict] | None = None,
) -> Resolved:
    """Check the mapping against the account and return it in ids. `before`: the pipelines (with their
    statuses) as the last sync read them, so a name renamed in amoCRM since is told with its new name."""
    chosen = (
        [
            _match(ref, pipelines, "pipeline", f"pipelines[{n}]", "in the account", before)
            for n, ref in enumerate(amo.pipelines)
        ]
        if amo.pipelines
        else list(pipelines)
    )
    pids = {p["id"] for p in chosen}
    for n, ref in enumerate(amo.development_pipelines):  # used by the build; a wrong name stops the sync too
        _match(ref, pipelines, "pipeline", f"development_pipelines[{n}]", "in the account", before)
    known = {(p["id"], s["id"]) for p in pipelines for s in _statuses(p)}
    stage_of: dict[tuple[int, int], str | None] = {}
    for n, rule in enumerate(amo.stages):
        key = f"stages[{n}]"
        if rule.pipeline is not None:
            p = _match(rule.pipeline, pipelines, "pipeline", f"{key}.pipeline", "in the account", before)
            if p["id"] not in pids:
                raise ConfigError(f"[amocrm].{key}.pipeline: {p['name']!r} is not one of [amocrm].pipelines")
            scope = [p]
        else:
            scope = chosen
        hits = []
        for p in scope:
            sts = _statuses(p)
            if isinstance(rule.status, int) or str(rule.status).isdigit():
                hits += [(p["id"], s["id"]) for s in sts if s["id"] == int(rule.status)]
            else:
                hits += [
                    (p["id"], s["id"])
                    for s in sts
                    if str(s.get("name", "")).strip().casefold() == str(rule.status).strip().casefold()
                ]
        if not hits:
            where = f"pipeline {scope[0]['name']!r}" if rule.pipeline is not None else "the mapped pipelines"
            renamed = ""
            if not str(rule.status).isdigit():
                old_by_id = {p["id"]: p for p in before or []}
                for p in scope:
                    renamed = renamed or _renamed(
                        str(rule.status), _statuses(p), _statuses(old_by_id.get(p["id"], {})), "status"
                    )
            raise ConfigError(f"[amocrm].{key}.status: no status {rule.status!r} in {where}{renamed}")
        for pair in hits:
            stage_of[pair] = rule.stage
    res = Resolved(pipelines=pids, stage_of={}, known_statuses=known)
    for p in chosen:
        for s in _statuses(p):
            k = (p["id"], s["id"])
            if k in stage_of:
                res.stage_of[k] = stage_of[k]
            elif s["id"] == WON:
                res.stage_of[k] = amo.won_stage
            elif s["id"] == LOST:
                res.stage_of[k] = None
            else:
                res.stage_of[k] = "lead"
                if s.get("type", 0) != 1:
                    res.unmapped.append(f"{p['name']} / {s['name']}")
    f = amo.fields
    for name in ("client_kind", "cold_deal", "lead_platform_account_id", "loss_reason"):
        found = _mapped_field(f, name, lead_fields, "lead")
        res.lead_fields[name] = None if found is None else found["id"]
        _remember(res, name, found)
    for name, canon in (("company_platform_account_id", "platform_account_id"), ("company_inn", "inn")):
        found = _mapped_field(f, name, company_fields, "company")
        res.company_fields[canon] = None if found is None else found["id"]
        _remember(res, f"company_{canon}", found)
    if f.client_kind is not None:
        definition = next(d for d in lead_fields if d["id"] == res.lead_fields["client_kind"])
        enums = definition.get("enums") or []
        for attr, target in (("organizer_values", res.organizer), ("operator_values", res.operator)):
            for n, value in enumerate(getattr(f, attr)):
                enum_hits = [
                    e
                    for e in enums
                    if str(e["id"]) == str(value)
                    or str(e.get("value", "")).strip().casefold() == str(value).strip().casefold()
                ]
                if enums and not enum_hits:
                    opts = ", ".join(repr(e.get("value")) for e in enums)
                    raise ConfigError(
                        f"[amocrm].fields.{attr}[{n}]: {value!r} is not a value of field "
                        f"{definition['name']!r} (its values: {opts})"
                    )
                for e in enum_hits:
                    target.update({str(e["id"]), str(e.get("value", "")).strip().casefold()})
                target.add(str(value).strip().casefold())
    res.default_role = amo.roles.default
    for key, role in amo.roles.users.items():
        named = [u for u in users if str(u["id"]) == key or str(u.get("email", "")).casefold() == key.casefold()]
        if not named:
            raise ConfigError(f"[amocrm].roles.users.{key!r}: no amoCRM user with this id or e-mail")
        res.user_roles[named[0]["id"]] = role
    for key, role in amo.roles.groups.items():
        named = [g for g in groups if str(g["id"]) == key or str(g.get("name", "")).casefold() == key.casefold()]
        if not named:
            names = ", ".join(repr(g.get("name")) for g in groups)
            raise ConfigError(f"[amocrm].roles.groups.{key!r}: no user group with this id or name (there are: {names})")
        res.group_roles[named[0]["id"]] = role
    return res


def live_problems(cfg: Any) -> list[str]:
    """The mapping resolved against the live account: missing pipelines, statuses, fields, users, groups."""
    from salesglass.sources.amocrm import extract
    from salesglass.sources.amocrm.client import client_from_config
    from salesglass.sources.amocrm.sync import _groups

    try:
        with client_from_config(cfg.amocrm, cfg.base_dir) as client:
            lists = extract.read_account_lists(client, "users_groups")
        res = resolve(
            cfg.amocrm,
            pipelines=lists.pipelines,
            lead_fields=lists.lead_fields,
            company_fields=lists.company_fields,
            users=lists.users,
            groups=_groups(lists.account, lists.users),
        )
    except ConfigError as exc:
        return [f"amoCRM mapping: {exc}"]
    except Exception as exc:  # no token yet, no network: say so, the platform side is still checked
        return [f"amoCRM: cannot read the account ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"]
    return [f"amoCRM: status {u} is not mapped to a stage (counts as `lead`)" for u in res.unmapped]


def live_zone(cfg: Any) -> str | None:
    """The live account's own time zone, for `check` before the first sync; None when it cannot be read
    (no token yet, no network: `live_problems` says why)."""
    from salesglass.sources.amocrm.client import client_from_config

    try:
        with client_from_config(cfg.amocrm, cfg.base_dir) as client:
            account = client.get("/api/v4/account", {"with": "datetime_settings"}) or {}
    except Exception:
        return None
    return ((account.get("_embedded") or {}).get("datetime_settings") or {}).get("timezone") or None
