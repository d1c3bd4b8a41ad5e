"""Configuration: ``jixiao.toml`` or ``[tool.jixiao]`` in ``pyproject.toml``.

Found upward from the reviewed folder (:func:`find_config`) or given with ``--config``. Keys::

    ruleset = "national_2020"          # force a regime (default: detected per document)
    select = ["JX1", "JX301"]          # only these checks: codes, code prefixes or family names
    ignore = ["JX406", "指标质量"]      # never these
    [severity]                          # per-check severity
    JX305 = "error"
    [grades]                            # N-01 grade bands, [lower bound, grade], bound inclusive
    bands = [[85, "优"], [75, "良"], [60, "中"], [0, "差"]]
    [params]                            # RULES.md §8
    execution_score = "proportional"    # or "interval" with execution_bands
    reverse_formula = "target_over_actual"   # or "one_minus_overshoot"
    overachieve_warn_ratio = 1.3
    score_tolerance = 0.1               # 分
    money_tolerance = 0.01              # 万元
    [items."Y-07"]                      # any rule-set item by its RULES.md id
    step = 0.5
    [limits]                            # the budget of one file in a batch (0: none)
    file_timeout = 30                   # 秒
    file_memory = "1GiB"                # or "512MiB"; a bare number is MiB
    [web]                               # jixiao serve behind a reverse proxy (see Web)
    public_origin = "https://jixiao.example.gov.cn"
    trusted_proxies = ["10.0.0.5"]

A wrong key or value raises :class:`ConfigError` naming the file and the line.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .rules.ruleset import RULESETS, Ruleset

CONFIG_NAME = "jixiao.toml"
GRADES = ("优", "良", "中", "差")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Grades(_Strict):
    bands: list[tuple[Decimal, Literal["优", "良", "中", "差"]]]

    @field_validator("bands")
    @classmethod
    def _ordered(cls, v: list[tuple[Decimal, str]]) -> list[tuple[Decimal, str]]:
        bounds = [b for b, _ in v]
        if bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
            raise ValueError("分档下限须从高到低排列且互不相同")
        if any(not (0 <= b <= 100) for b in bounds):
            raise ValueError("分档下限须在 0–100 之间")
        if [g for _, g in v] != list(GRADES[: len(v)]):
            raise ValueError("等次须依次为 优、良、中、差")
        return v


class Params(_Strict):
    execution_score: Literal["proportional", "interval"] | None = None
    execution_bands: list[tuple[Decimal, Decimal]] | None = None
    reverse_formula: Literal["target_over_actual", "one_minus_overshoot"] | None = None
    overachieve_warn_ratio: Decimal | None = Field(default=None, gt=1)
    score_tolerance: Decimal | None = Field(default=None, ge=0)
    money_tolerance: Decimal | None = Field(default=None, ge=0)
    rate_tolerance: Decimal | None = Field(default=None, ge=0)


SIZE_UNITS = {"": 1 << 20, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
              "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


def parse_size(value: Any) -> int:
    """Bytes of a size: ``"1GiB"``, ``"512 MiB"``, ``"200M"`` (binary units), or a bare number of
    MiB. Raises ValueError (in Chinese) for anything else."""
    if isinstance(value, bool):
        raise ValueError("应为大小，如 \"1GiB\"、\"512MiB\" 或 MiB 数")  # noqa: TRY004  pydantic reports ValueError
    if isinstance(value, (int, float)):
        number, unit = value, ""
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
        if not m or m.group(2).lower() not in SIZE_UNITS:
            raise ValueError(f"无法识别的大小“{value}”（应为如 1GiB、512MiB，或 MiB 数）")
        number, unit = float(m.group(1)), m.group(2).lower()
    if number < 0:
        raise ValueError("大小不能为负数")
    return int(number * SIZE_UNITS[unit])


def size_text(size: int) -> str:
    """``1 GiB``, ``512 MiB``, ``1.5 GiB``: a byte count as a person reads it."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.4g} {unit}"
    return f"{size} 字节"


class Limits(_Strict):
    """The budget of one file in a batch (:mod:`jixiao.batch`): wall-clock seconds and bytes of
    memory (address space beyond what the worker process holds before the file) for reading and
    reviewing it; 0 means no limit. Beyond it the file gets an error naming the limit
    (:meth:`time_message`, :meth:`memory_message`) and the batch goes on."""

    file_timeout: float = Field(default=30, ge=0)  # 秒
    file_memory: int = Field(default=1 << 30, ge=0)  # bytes

    @field_validator("file_memory", mode="before")
    @classmethod
    def _size(cls, v: Any) -> int:
        return parse_size(v)

    def time_message(self) -> str:
        return f"超出单个文件时间限制（{self.file_timeout:g} 秒），已停止处理此文件"

    def memory_message(self) -> str:
        return f"超出单个文件内存限制（{size_text(self.file_memory)}），已停止处理此文件"


class Web(_Strict):
    """``[web]``: how ``jixiao serve`` sees its requests behind a reverse proxy (nginx…) that
    rewrites ``Host``. Without either key the Origin of a state-changing request is compared with
    ``Host`` and the client address is the connection's peer.

    - ``public_origin``: the address users open (``"https://jixiao.example.gov.cn"``, scheme, host
      and port only); the Origin (or Referer) of every POST must be it.
    - ``trusted_proxies``: addresses or networks (``"10.0.0.5"``, ``"10.0.0.0/8"``) of the proxies;
      for a request from one of them ``X-Forwarded-Host`` stands for ``Host`` and the nearest
      untrusted address in ``X-Forwarded-For`` is the client (the per-address login limit). From
      any other peer these headers are ignored: they are the client's own word."""

    public_origin: str | None = None
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("public_origin")
    @classmethod
    def _origin(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from urllib.parse import urlsplit

        u = urlsplit(v.strip())
        if u.scheme not in ("http", "https") or not u.netloc or u.path not in ("", "/") or u.query or u.fragment:
            raise ValueError(f"“{v}”不是网站地址（应为如 https://jixiao.example.gov.cn，不含路径）")
        return f"{u.scheme}://{u.netloc.lower()}"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        import ipaddress

        for item in v:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"“{item}”不是 IP 地址或网段（如 10.0.0.5、10.0.0.0/8）") from None
        return [item.strip() for item in v]

    def trusts(self, address: str | None) -> bool:
        """Whether ``address`` (a peer or a forwarded hop) is one of the trusted proxies."""
        import ipaddress

        if not address or not self.trusted_proxies:
            return False
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.trusted_proxies)


class Settings(_Strict):
    """What a review runs with; the defaults are the packaged rule sets as they are."""

    ruleset: Literal["national_2020", "yueyang_ref_2015", "hunan_dept_2017", "narrative"] | None = None
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Literal["error", "warning", "info"]] = Field(default_factory=dict)
    grades: Grades | None = None
    params: Params = Field(default_factory=Params)
    items: dict[str, dict[str, Any]] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits, exclude=True)  # how a batch runs, not what a review finds
    web: Web = Field(default_factory=Web, exclude=True)  # how jixiao serve sees requests behind a proxy
    path: Path | None = Field(default=None, exclude=True)  # the file it came from
    ruleset_origin: str = Field(default="配置", exclude=True)

    @field_validator("select", "ignore")
    @classmethod
    def _known_selectors(cls, v: list[str]) -> list[str]:
        from .checks import REGISTRY
        from .checks.registry import FAMILIES

        for sel in v:
            if sel not in FAMILIES.values() and not any(c.startswith(sel) for c in REGISTRY):
                raise ValueError(f"没有检查或类别“{sel}”")
        return v

    @field_validator("severity")
    @classmethod
    def _known_codes(cls, v: dict[str, str]) -> dict[str, str]:
        from .checks import REGISTRY

        for code in v:
            if code not in REGISTRY:
                raise ValueError(f"没有检查 {code}")
        return v

    @field_validator("items")
    @classmethod
    def _known_items(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        known = {it["id"]: it for name in RULESETS for it in Ruleset.load(name).items}
        for item_id, fields in v.items():
            if item_id not in known:
                raise ValueError(f"没有规则 {item_id}（规则编号见 rules/*.toml 的 id）")
            for key, value in fields.items():
                if key in ("id", "rule") or key not in known[item_id]:
                    raise ValueError(f"规则 {item_id} 没有可调整的参数“{key}”"
                                     f"（可调整：{'、'.join(k for k in known[item_id] if k not in ('id', 'rule'))}）")
                if type(value) is not type(known[item_id][key]) and not (
                        isinstance(value, (int, float)) and isinstance(known[item_id][key], (int, float))):
                    raise ValueError(f"规则 {item_id} 的“{key}”应为与默认值 {known[item_id][key]!r} 同类的值")
        return v

    def overrides(self) -> dict[str, Any]:
        """The rule-set overrides: grades, params and items by id."""
        out: dict[str, Any] = {"items": self.items}
        if self.grades is not None:
            out["grades"] = {"bands": [[float(b), g] for b, g in self.grades.bands]}
        params = {k: v for k, v in self.params.model_dump().items() if v is not None}
        out["params"] = {k: ([[float(a), float(b)] for a, b in v] if k == "execution_bands" else
                             v if isinstance(v, str) else float(v)) for k, v in params.items()}
        return out

    def ruleset_for(self, detected: str) -> tuple[Ruleset, str]:
        """The rule set to apply and its origin: 指定/配置 when forced, 检测 otherwise."""
        if self.ruleset:
            return Ruleset.load(self.ruleset, self.overrides()), self.ruleset_origin
        return Ruleset.load(detected, self.overrides()), "检测"

    def selected(self, codes: list[str]) -> list[str]:
        """``codes`` filtered by select/ignore (a code, a code prefix such as ``JX3``, or a family name)."""
        from .checks import REGISTRY

        def hit(code: str, sel: str) -> bool:
            return code.startswith(sel) or REGISTRY[code].family == sel

        return [c for c in codes if (not self.select or any(hit(c, s) for s in self.select))
                and not any(hit(c, s) for s in self.ignore)]


def find_config(start: Path) -> Path | None:
    """The nearest ``jixiao.toml``, or ``pyproject.toml`` with a ``[tool.jixiao]`` table, in
    ``start`` (a folder, or a file's folder) or any folder above it."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        cand = folder / CONFIG_NAME
        if cand.is_file():
            return cand
        pp = folder / "pyproject.toml"
        if pp.is_file() and re.search(r"^\[tool\.jixiao[\].]", pp.read_text("utf-8", errors="replace"), re.M):
            return pp
    return None


def load_config(path: Path) -> Settings:
    """Read and validate a config file. Raises ConfigError("<file>:<line>: <reason>")."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: 无法读取配置文件（{exc}）") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"{path}:{m.group(1) if m else 1}: TOML 语法错误（{exc}）") from exc
    prefix: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        data, prefix = data.get("tool", {}).get("jixiao", {}), ("tool", "jixiao")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = tuple(str(x) for x in e["loc"] if not isinstance(x, int))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = f"未知的配置项“{'.'.join(loc)}”"
        elif loc:
            msg = f"“{'.'.join(loc)}”：{msg}"
        raise ConfigError(f"{path}:{_line_of(text, prefix + loc)}: {msg}") from exc
    settings.path = path
    return settings


def _line_of(text: str, loc: tuple[str, ...]) -> int:
    """The 1-based line where the key path ``loc`` is first written — its own line, or the first
    table header or key below it — else the nearest enclosing table header, else 1."""
    table: tuple[str, ...] = ()
    best = 1
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        h = re.fullmatch(r"\[+\s*([^\]]+?)\s*\]+", line)
        if h:
            table = tuple(p.strip().strip('"') for p in h.group(1).split("."))
            if table[: len(loc)] == loc:
                return n
            if loc[: len(table)] == table:
                best = n
            continue
        k = re.match(r'("?[^=\s"]+"?(?:\s*\.\s*"?[^=\s"]+"?)*)\s*=', line)
        if k:
            key = table + tuple(p.strip().strip('"') for p in k.group(1).split("."))
            if key[: len(loc)] == loc or loc[: len(key)] == key:
                return n
    return best
