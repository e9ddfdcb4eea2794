"""A proposed `[amocrm]` mapping, guessed from an account's pipelines, fields and groups by their names.

`salesglass amocrm inspect` prints it for a live account; the demo writes it from the simulated
company's snapshot. The proposal names things (readable, stable across accounts) and shows ids in
comments; every guess is a line a person can check and edit.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

WON, LOST = 142, 143
STAGE_HINTS = (  # first match wins; checked on the status name, case-insensitively
    ("widget_installed", r"виджет|widget|установлен|install|запущ|launch"),
    ("contract_signed", r"подписан|signed|заключ|^согласовано$"),
    ("proposal", r"\bкп\b|предложен|proposal|offer|коммерческ|согласован"),
    ("negotiation", r"перегов|negotiat|обсужд|discuss|презентац|встреч|demo|демо|в работе"),
)
# a pipeline for partners that already sell, by its name
DEVELOPMENT = r"развит|develop|upsell|апсейл|допрод|growth|grow\b|retention|account manag|key account"
ACCOUNT_ID = r"(аккаунт|account|платформ|platform|партн[её]р|partner).*(id|номер)|(id|номер).*(аккаунт|account)"


def _s(value: object) -> str:
    """A TOML string (JSON's escapes are valid TOML basic-string escapes)."""
    return json.dumps(str(value), ensure_ascii=False)


def _find(items: list[dict], pattern: str, types: tuple[str, ...] | None = None) -> dict | None:
    for it in items:
        if (types is None or it.get("type") in types) and re.search(pattern, str(it.get("name", "")), re.I):
            return it
    return None


def propose(
    pipelines: list[dict],
    lead_fields: list[dict],
    company_fields: list[dict],
    groups: list[dict] | None = None,
    *,
    development_hint: bool = False,
) -> str:
    """The mapping part of an `[amocrm]` section (pipelines, stages, fields, roles) as TOML lines.
    `development_hint` (`amocrm inspect`): a commented `development_pipelines` line naming the pipelines
    that look like development ones (the demo's config is written without it)."""
    out = [
        "# pipelines whose leads become deals (archived ones too, so old deals keep their stages)",
        "pipelines = [" + ", ".join(_s(p["name"]) for p in pipelines) + "]",
        f"won_stage = {_s('first_sale')}  # won (142) in every pipeline; lost (143) ends a deal",
    ]
    growing = [p for p in pipelines if re.search(DEVELOPMENT, str(p.get("name", "")), re.I)]
    if development_hint and growing:
        out += [
            "# by their names these pipelines grow partners that already sell: uncomment, and their won deals",
            "# never acquire a partner (no first-sale / acquisition-share bonus; docs/amocrm.md)",
            "# development_pipelines = [" + ", ".join(_s(p["name"]) for p in growing) + "]",
        ]
    out += [
        "# status → canonical stage: every status has a rule (a status left out counts as `lead`, with a",
        "# warning on every sync); amoCRM's own «unsorted» column needs none",
        "stages = [",
    ]
    for p in pipelines:
        out.append(f"  # pipeline {_s(p['name'])} (id {p['id']}{', archived' if p.get('is_archive') else ''})")
        for st in sorted((p.get("_embedded") or {}).get("statuses") or [], key=lambda s: (s.get("sort", 0), s["id"])):
            if st["id"] in (WON, LOST):
                continue
            stage = next((name for name, rx in STAGE_HINTS if re.search(rx, str(st.get("name", "")), re.I)), None)
            if stage is None and st.get("type", 0) == 1:  # the unsorted column: lead, never warned about
                out.append(f"  # {_s(st['name'])} (status id {st['id']}, unsorted) → lead")
                continue
            out.append(
                f"  {{ pipeline = {_s(p['name'])}, status = {_s(st['name'])}, stage = {_s(stage or 'lead')} }},"
                f"  # status id {st['id']}{'' if stage else ' (no stage guessed from its name: check)'}"
            )
    out.append("]")
    out += _fields(lead_fields, company_fields)
    out += _roles(groups or [])
    return "\n".join(out) + "\n"


def _fields(lead_fields: list[dict], company_fields: list[dict]) -> list[str]:
    out = ["", "[amocrm.fields]"]
    kind = next(
        (
            f
            for f in lead_fields
            if f.get("type") in ("select", "radiobutton", "multiselect")
            and any(
                re.search(r"организатор|organi[sz]er|оператор|operator", str(e.get("value", "")), re.I)
                for e in f.get("enums") or []
            )
        ),
        None,
    )
    if kind:
        enums = kind.get("enums") or []
        org = [e["value"] for e in enums if re.search(r"организатор|organi[sz]er", str(e["value"]), re.I)]
        ops = [e["value"] for e in enums if re.search(r"оператор|operator|агент|agen(t|cy)", str(e["value"]), re.I)]
        out += [
            f"client_kind = {_s(kind['name'])}  # id {kind['id']}",
            "organizer_values = [" + ", ".join(_s(v) for v in org) + "]",
            "operator_values = [" + ", ".join(_s(v) for v in ops) + "]",
        ]
    else:
        out.append('# client_kind = "…"  # no select field with organizer/operator values found')
    for key, rx, types, fields in (
        ("cold_deal", r"холодн|cold", ("checkbox", "select", "radiobutton"), lead_fields),
        ("lead_platform_account_id", ACCOUNT_ID, None, lead_fields),
        ("company_platform_account_id", ACCOUNT_ID, None, company_fields),
        ("company_inn", r"\bинн\b|\binn\b|tax", None, company_fields),
    ):
        hit = _find(fields, rx, types)
        out.append(f"{key} = {_s(hit['name'])}  # id {hit['id']}" if hit else f'# {key} = "…"  # not found')
    return out


def _roles(groups: list[dict]) -> list[str]:
    out = [
        "",
        "[amocrm.roles]",
        f"default = {_s('sales')}  # users of groups not listed below",
        "[amocrm.roles.groups]",
    ]
    for g in groups:
        name = str(g.get("name", ""))
        role = (
            "development"
            if re.search(r"развит|development|account|аккаунт|сопровожд", name, re.I)
            else "sales"
            if re.search(r"продаж|sales", name, re.I)
            else "other"
        )
        out.append(f"{_s(name)} = {_s(role)}  # group id {g['id']}")
    return out


def _read_object(path: Path) -> dict:
    """A snapshot file holding one JSON object; {} when the snapshot lacks it."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _read_list(path: Path) -> list[dict]:
    """A snapshot file holding a JSON list of records; [] when the snapshot lacks it."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def propose_from_snapshot(amo_dir: Path) -> str:
    """The demo's whole `[amocrm]` section for a generated company (its snapshot folder `amocrm/`)."""
    amo_dir = Path(amo_dir)
    account = _read_object(amo_dir / "account.json")
    oauth = _read_object(amo_dir / "oauth.json")
    groups = list((account.get("_embedded") or {}).get("users_groups") or [])
    mapping = propose(
        _read_list(amo_dir / "pipelines.json"),
        _read_list(amo_dir / "leads_custom_fields.json"),
        _read_list(amo_dir / "companies_custom_fields.json"),
        groups,
    )
    if oauth.get("client_id"):
        access = f"""# OAuth as a public integration does it (`salesglass amocrm auth --code …` stores the tokens);
# for your own account prefer auth = "long_lived" (`salesglass amocrm auth --long-lived`)
auth = "oauth"
token_path = "secrets/amocrm-token.json"   # 0600, never printed; keep it out of version control
client_id = {_s(oauth["client_id"])}
client_secret = {_s(oauth.get("client_secret", ""))}  # or env SALESGLASS_AMOCRM_CLIENT_SECRET
redirect_uri = {_s(oauth.get("redirect_uri", ""))}"""
    else:
        access = """# a private integration's long-lived token (`salesglass amocrm auth --long-lived` stores it)
auth = "long_lived"
token_path = "secrets/amocrm-token.json"   # 0600, never printed; keep it out of version control"""
    return f"""
[amocrm]
# the demo's amoCRM is the emulator `salesglass demo` starts; your account: https://<subdomain>.amocrm.ru or .kommo.com
base_url = "http://127.0.0.1:8765"
subdomain = {_s(account.get("subdomain", "demo"))}
{access}
rate_limit = 6.0          # requests per second; amoCRM blocks clients that keep going above 7
overlap_seconds = 600     # incremental windows re-read this much before the last watermark
# calendar periods use the account's own time zone; [account] timezone overrides it
{mapping}"""
