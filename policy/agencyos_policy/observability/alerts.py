"""The six alerting rules of checklist §6 "Alerting Rules", each a mandatory stack policy.

A stack that defines alerting (a PrometheusRule, or a Cloud Monitoring AlertPolicy other than one on uptime
checks only) must have a rule for each signal, no looser than the checklist; a stack that defines none is not
judged (its alerting lives elsewhere). Rules are read as ``observability.rules`` describes, and recognised by
the metrics they read:

- CPU: ``container_cpu_usage_seconds_total`` (cores: divided by a limit or request), ``node_cpu_seconds_total``
  (``mode="idle"`` read as its complement), ``process_cpu_seconds_total``; Cloud Monitoring
  ``kubernetes.io/{container,node}/cpu/*`` utilisation, ``compute.googleapis.com/instance/cpu/utilization`` and Cloud
  Run's ``run.googleapis.com/container/cpu/utilizations`` (ratios).
- Memory: ``container_memory_working_set_bytes``, ``container_memory_usage_bytes``, ``container_memory_rss``,
  ``node_memory_MemAvailable_bytes`` (a complement), divided by a limit or total; Cloud Monitoring
  ``kubernetes.io/{container,node}/memory/*`` utilisation and Cloud Run's
  ``run.googleapis.com/container/memory/utilizations`` (ratios).
- Error rate: requests counters (``http_requests_total``, ``http_server_requests_seconds_count``,
  ``nginx_ingress_controller_requests`` or any ``*_requests_total``) with a 5xx matcher on ``status``,
  ``code``, ``status_code`` or ``response_code`` (a regex matching every 5xx and no 2xx/4xx code, or
  ``5xx``), divided by all requests, or the share of good responses (``status!~"5.."``, ``code=~"2..|3.."``)
  as its complement (``< 0.95``); Cloud Monitoring load-balancer ``request_count`` with
  ``response_code_class`` 500 over a ``denominatorFilter``.
- p95 response time: ``histogram_quantile(q, ...)`` with q of at least 0.95 over a ``*duration*_bucket``
  or ``*latency*_bucket`` histogram, or a summary's ``quantile`` series of at least 0.95 (a ``*duration*``,
  ``*latency*`` or ``*request*`` name such as Micrometer's ``http_server_requests_seconds``) (seconds;
  milliseconds when the name says so); Cloud Monitoring
  load-balancer ``total_latencies``/``backend_latencies`` at ``ALIGN_PERCENTILE_95`` or above (ms).
- Database connections: the application's pool (``db_pool_connections_*``, ``sqlalchemy_pool_*``, HikariCP's
  ``hikaricp_connections_*``, OpenTelemetry's ``db_client_connection(s)_*``), ``pg_stat_activity_count``,
  ``pg_stat_database_numbackends``; Cloud SQL ``num_backends``. A ratio is compared with the percentage; an
  absolute count with that percentage of the pool size (checklist §9) or of max_connections (the stack's
  Cloud SQL ``max_connections`` flag, else the checklist's §2 number).
- Failed payment webhooks: a series that names ``webhook`` (in its metric name or a selected label value, such as
  ``handler="/webhooks/stripe"``) and selects failures (``fail`` or ``error`` in the name or a selected label
  value, such as ``status="failed"``, or a 5xx matcher on a requests counter), counted
  by ``increase``/``rate`` (Cloud Monitoring: aligned with ``ALIGN_DELTA``/``ALIGN_SUM``/``ALIGN_RATE``).

Cloud Monitoring's own metrics read the same in a PromQL condition under their PromQL names
(``kubernetes_io:container_cpu_limit_utilization``, ``loadbalancing_googleapis_com:https_request_count`` with
``response_code_class="500"``, ``..._total_latencies_bucket`` in milliseconds,
``cloudsql_googleapis_com:database_postgresql_num_backends``).

No looser than the checklist: the comparison is ``>``/``>=`` (``<``/``<=`` on a complement); the threshold
is at most the stated one (a ratio or a percentage: the expression's constant factor decides which); the ``for``
(``duration``) at most the stated duration, 0 where the checklist states none (an alert on the first
evaluation); the group's evaluation ``interval`` at most the stated duration or Prometheus's default of a
minute, whichever is longer; each averaging window (``rate`` range, ``alignmentPeriod``) at most the stated duration or
four scrape intervals, whichever is longer (a shorter window has too few samples to rate). The webhook
count is normalised to the checklist's window: ``increase(x[w]) > c`` counts ``c`` per ``w``.

A rule is demanded only of a stack that has what it watches (``observability.concerns``): the
database-connections rule of a stack with a database, the payment-webhook rule of one that serves payments (or
whose policy config ``paymentsServed`` is ``yes``); a rule a stack writes is judged either way. A looser rule is
reported with its threshold beside the accepted one and the config key that sets it
(``threshold 0.95, the checklist says 0.8 (policy config thresholdPercent)``), never as a missing rule.

A rule whose query, threshold or duration is unknown at preview cannot pass; neither can a stack whose
rule lists are unknown and that otherwise lacks the rule. Recording rules of the stack are expanded into the
alerts that read their series. Not judged: how series are aggregated (an average over pods is accepted
like a per-pod rule), label selections other than the 5xx one; a recorded series read under a range
selector (``rate(recorded[w])``) is not expanded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from agencyos_checklist.numbers import (
    ALERT_CPU_FOR,
    ALERT_CPU_PERCENT,
    ALERT_DB_POOL_PERCENT,
    ALERT_ERROR_RATE_FOR,
    ALERT_ERROR_RATE_PERCENT,
    ALERT_LATENCY_FOR,
    ALERT_LATENCY_P95,
    ALERT_MEMORY_FOR,
    ALERT_MEMORY_PERCENT,
    ALERT_WEBHOOK_FAILURES,
    ALERT_WEBHOOK_WINDOW,
    DB_MAX_CONNECTIONS,
    DB_POOL,
    Stated,
    integers,
)
from pulumi_policy import Severity

from agencyos_policy.gcp.cloudsql import INSTANCE as SQL_INSTANCE
from agencyos_policy.observability import promql
from agencyos_policy.observability.concerns import has_database, serves_payments
from agencyos_policy.observability.provider_facts import (
    DEFAULT_EVALUATION_INTERVAL_SECONDS,
    DEFAULT_THRESHOLD_VALUE,
    MIN_RATE_WINDOW_SECONDS,
)
from agencyos_policy.observability.rules import (
    RULE_SOURCES,
    PromRule,
    ThresholdRule,
    gather,
    unreadable_messages,
)
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup, unknown_message
from agencyos_policy.registry import MANDATORY, Param, StackSubject, bound, stack_policy
from agencyos_policy.rules import number

PERCENT = 1e2  # a ratio of one is a hundred per cent
MILLISECONDS = 1e3
EPSILON = 1e-9
ABOVE = frozenset({">", ">="})
BELOW = frozenset({"<", "<="})
CM_ABOVE = frozenset({"COMPARISON_GT", "COMPARISON_GE"})
FIVE_XX = ("500", "502", "503", "504", "599")
NOT_FIVE_XX = ("200", "204", "301", "404", "429")
STATUS_LABELS = ("status", "code", "status_code", "response_code")
_METRIC_TYPE = re.compile(r"metric\.type\s*=\s*\"([^\"]+)\"")
_CLASS_500 = re.compile(r"response_code_class\s*=\s*\"?500\"?")
_PERCENTILE = re.compile(r"_PERCENTILE_([0-9]+)$")
_DURATION = re.compile(r"^[0-9]+[smhd]$")


def duration(stated: Stated[str], description: str) -> Param:
    """A duration with its unit (``10m``, ``3s``) whose default is the checklist's."""
    schema = {"type": "string", "pattern": _DURATION.pattern, "default": stated.value, "description": description}
    return Param(schema, stated)


def count(stated: Stated[str], description: str) -> Param:
    """A count with its noun (``<n> failures``) whose default is the checklist's."""
    schema = {"type": "string", "pattern": "^[0-9]+ failures$", "default": stated.value, "description": description}
    return Param(schema, stated)


def _seconds(text: str) -> float:
    value = promql.duration_seconds(text)
    if value is None:
        raise ValueError(f"{text!r} is not a duration")
    return value


@dataclass(frozen=True)
class Limits:
    threshold: float
    """Percent (CPU, memory, error rate, connections), seconds (latency) or a count per ``window``."""
    hold: float
    """The longest ``for``/``duration`` accepted, in seconds."""
    window: float
    """The longest averaging window accepted, in seconds (the webhook's counting window)."""
    threshold_key: str = "thresholdPercent"
    """The policy config key that sets ``threshold``, named in every message about it."""
    hold_key: str = "for"
    """The policy config key that sets ``hold`` (and the window)."""
    from_checklist: bool = True
    """Whether ``threshold`` is the checklist's number (the config's default) rather than a team's own."""


def _looser(found: str, allowed: str, limits: Limits) -> str:
    """How a rule's threshold compares with the one accepted, e.g. ``threshold 0.95, the checklist says 0.8``."""
    says = "the checklist says" if limits.from_checklist else "the policy config says"
    return f"threshold {found}, {says} {allowed} (policy config {limits.threshold_key})"


@dataclass(frozen=True)
class Context:
    """What the stack says about capacity: the app pool's size and the database's max connections."""

    pool_size: float
    max_connections: float


@dataclass(frozen=True)
class Signal:
    key: str
    title: str
    stated: Stated[Any]
    promql_match: Callable[[list[promql.Selector], Any], bool]
    promql_judge: Callable[[promql.Condition, Limits, Context], list[str]]
    metric_match: Callable[[str, Any], bool]
    metric_judge: Callable[[Any, str, Limits, Context], list[str]]
    hint: str
    concern: Callable[[StackSubject], str | None] | None = None
    """Why the stack has what the signal watches (``observability.concerns``), or None; absent: every stack that
    defines alerting has it. A missing rule is demanded only where the stack has the concern; a rule the stack
    writes is judged either way."""


# Cloud Monitoring metrics each signal reads (filters name them; PromQL as promql_name writes them).
# Cloud Run's container utilisations are distributions of ratios (0 to 1) over the instances: a condition aligns
# them to a percentile or the mean, and reads them in PromQL as ``..._bucket`` histograms.
# https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-run
CM_RUN_CPU = "run.googleapis.com/container/cpu/utilizations"
CM_RUN_MEMORY = "run.googleapis.com/container/memory/utilizations"
CM_CPU = (
    "kubernetes.io/container/cpu/limit_utilization",
    "kubernetes.io/container/cpu/request_utilization",
    "kubernetes.io/node/cpu/allocatable_utilization",
    "compute.googleapis.com/instance/cpu/utilization",
    CM_RUN_CPU,
)
CM_MEMORY = (
    "kubernetes.io/container/memory/limit_utilization",
    "kubernetes.io/container/memory/request_utilization",
    "kubernetes.io/node/memory/allocatable_utilization",
    CM_RUN_MEMORY,
)
CM_BACKENDS = "cloudsql.googleapis.com/database/postgresql/num_backends"
CM_LB_REQUESTS = "loadbalancing.googleapis.com/https/request_count"
# The load balancer's latency distributions, in milliseconds.
CM_LB_LATENCIES = (
    "loadbalancing.googleapis.com/https/total_latencies",
    "loadbalancing.googleapis.com/https/backend_latencies",
)


def promql_names(*metric_types: str) -> tuple[str, ...]:
    """The PromQL names of Cloud Monitoring metrics, a distribution's ``_bucket`` series too."""
    names = [promql_name(metric) for metric in metric_types]
    return (*names, *(f"{name}_bucket" for name in names))


def promql_name(metric_type: str) -> str:
    """A Cloud Monitoring metric type as PromQL names it (Cloud Monitoring's PromQL conditions, Managed Service for
    Prometheus): the first ``/`` becomes ``:``, every other ``/`` and ``.`` ``_``
    (https://cloud.google.com/monitoring/promql/promql-mapping)."""
    domain, _, path = metric_type.partition("/")
    return re.sub(r"[^a-zA-Z0-9_]", "_", domain) + ":" + re.sub(r"[^a-zA-Z0-9_]", "_", path)


# --- recognising the signals --------------------------------------------------------------------------------


def _named(*names: str) -> Callable[[list[promql.Selector], Any], bool]:
    return lambda selectors, _expr: any(s.name in names for s in selectors)


def _is_5xx(selector: promql.Selector) -> bool:
    for label in STATUS_LABELS:
        if any(v.lower() == "5xx" for v in selector.label_values(label, "=")):
            return True
        for pattern in selector.label_values(label, "=~"):
            try:
                if all(re.fullmatch(pattern, c) for c in FIVE_XX) and not any(
                    re.fullmatch(pattern, c) for c in NOT_FIVE_XX
                ):
                    return True
            except re.error:
                continue
    if selector.name == promql_name(CM_LB_REQUESTS) and "500" in selector.label_values("response_code_class", "="):
        return True
    return "SERVER_ERROR" in selector.label_values("outcome", "=")


def _requests(selector: promql.Selector) -> bool:
    return selector.name in (
        "http_requests_total",
        "http_server_requests_seconds_count",
        "nginx_ingress_controller_requests",
        promql_name(CM_LB_REQUESTS),
    ) or selector.name.endswith("requests_total")


def _matches(pattern: str, code: str) -> bool:
    try:
        return re.fullmatch(pattern, code) is not None
    except re.error:
        return False


def _is_good(selector: promql.Selector) -> bool:
    """Whether a selector keeps the responses that are not server errors (``status!~"5.."``, ``code=~"2..|3.."``)."""
    for label in STATUS_LABELS:
        if any(v.lower() == "5xx" for v in selector.label_values(label, "!=")):
            return True
        for pattern in selector.label_values(label, "!~"):
            if all(_matches(pattern, c) for c in FIVE_XX) and not _matches(pattern, NOT_FIVE_XX[0]):
                return True
        for pattern in selector.label_values(label, "=~") + selector.label_values(label, "="):
            if _matches(pattern, NOT_FIVE_XX[0]) and not any(_matches(pattern, c) for c in FIVE_XX):
                return True
    return "SUCCESS" in selector.label_values("outcome", "=")


def _success_ratio(selectors: list[promql.Selector]) -> bool:
    """Whether a rule reads the share of good responses (availability) rather than of server errors."""
    return not any(_requests(s) and _is_5xx(s) for s in selectors) and any(
        _requests(s) and _is_good(s) for s in selectors
    )


def _error_match(selectors: list[promql.Selector], _expr: Any) -> bool:
    return any(_requests(s) and _is_5xx(s) for s in selectors) or _success_ratio(selectors)


def _error_judge(condition: promql.Condition, limits: Limits, context: Context) -> list[str]:
    """A success ratio below ``1 - r`` is an error rate above ``r``: judged as the complement it is."""
    if _success_ratio(promql.selectors(condition.expr)):
        condition = replace(condition, complement=not condition.complement)
    return _percent_judge(True)(condition, limits, context)


def _latency_histogram(name: str) -> bool:
    return name.endswith("_bucket") and ("duration" in name or "latency" in name or name in _LB_LATENCY_BUCKETS)


_LB_LATENCY_BUCKETS = frozenset(promql_name(metric) + "_bucket" for metric in CM_LB_LATENCIES)


def _summary_quantile(selector: promql.Selector) -> float | None:
    """The quantile a summary's series selects (``http_server_requests_seconds{quantile="0.95"}``), if any."""
    name = selector.name
    if name.endswith(("_bucket", "_count", "_sum", "_max")) or not any(
        word in name for word in ("duration", "latency", "request")
    ):
        return None
    for value in selector.label_values("quantile", "="):
        try:
            return float(value)
        except ValueError:
            continue
    return None


def _latency_match(selectors: list[promql.Selector], expr: Any) -> bool:
    return any(_summary_quantile(s) is not None for s in selectors) or any(
        any(_latency_histogram(s.name) for s in promql.selectors(call))
        for call in promql.calls(expr, "histogram_quantile")
    )


def _webhook_selector(selector: promql.Selector) -> bool:
    """Whether a selector counts failed webhooks: by its name, its selected labels or 5xx responses."""
    words = [selector.name.lower()] + [v.lower() for _, op, v in selector.matchers if op in ("=", "=~")]
    if not any("webhook" in word for word in words):
        return False
    return any("fail" in word or "error" in word for word in words) or (_requests(selector) and _is_5xx(selector))


def _webhook_metric(name: str) -> bool:
    lowered = name.lower()
    return "webhook" in lowered and ("fail" in lowered or "error" in lowered)


DB_POOL_METRICS = ("db_pool_connections_in_use", "db_pool_connections_max")
# Connection-pool metrics of the common instrumentations, as Prometheus names them: SQLAlchemy exporters,
# HikariCP through Micrometer (hikaricp.connections.active / .max) and OpenTelemetry's database semantic
# conventions (db.client.connections.usage / .max up to v1.24, db.client.connection.count / .max / .limit since).
DB_POOL_PREFIXES = ("db_pool", "sqlalchemy_pool", "hikaricp_connections", "db_client_connection")
DB_SERVER_METRICS = (
    "pg_stat_activity_count",
    "pg_stat_database_numbackends",
    "pg_settings_max_connections",
    promql_name(CM_BACKENDS),
)


def _db_match(selectors: list[promql.Selector], _expr: Any) -> bool:
    return any(
        s.name in (*DB_POOL_METRICS, *DB_SERVER_METRICS) or s.name.startswith(DB_POOL_PREFIXES) for s in selectors
    )


# --- judging a PromQL condition -----------------------------------------------------------------------------


def _hold_problems(rule: PromRule, limit: float, key: str = "for") -> list[str]:
    hold = rule.hold
    if hold is UNKNOWN:
        return [unknown_message(rule.hold_path)]
    seconds = 0.0 if hold is ABSENT else promql.duration_seconds(str(hold))
    if seconds is None:
        return [f"{rule.hold_path} must be a duration such as 90s or 2m."]
    if seconds > limit + EPSILON and limit == 0:
        return [f"{rule.hold_path} must be absent or 0s: the checklist states no duration, so the alert fires at once."]
    if seconds > limit + EPSILON:
        return [
            f"{rule.hold_path} must be at most {_shown(limit)} (the checklist's duration, policy config {key}); "
            f"it is {_shown(seconds)}."
        ]
    return []


def _interval_problems(rule: PromRule, limit: float) -> list[str]:
    """A group evaluated less often than the stated duration (or Prometheus's default, if longer) alerts late."""
    if rule.interval is ABSENT:
        return []
    if rule.interval is UNKNOWN:
        return [unknown_message(rule.interval_path)]
    seconds = promql.duration_seconds(str(rule.interval))
    allowed = max(limit, DEFAULT_EVALUATION_INTERVAL_SECONDS)
    if seconds is None or seconds > allowed + EPSILON:
        return [
            f"{rule.interval_path} must be at most {_shown(allowed)}: the rule is evaluated too rarely to alert "
            "in time."
        ]
    return []


def _combined_problems(combined: Any, where: str) -> list[str]:
    """A condition ANDed with the policy's others fires only when they hold too."""
    if combined is UNKNOWN:
        return [unknown_message("combiner")]
    if combined:
        return [f"{where} is combined with AND, so it fires only when the policy's other conditions hold too."]
    return []


def _shown(seconds: float) -> str:
    return f"{seconds / 60:g}m" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g}s"


def _windows_problems(expr: Any, limits: Limits) -> list[str]:
    longest = max(promql.windows(expr), default=0.0)
    allowed = max(limits.window, MIN_RATE_WINDOW_SECONDS)
    if longest > allowed + EPSILON:
        return [f"its range windows must be at most {_shown(allowed)}, or a short spike is averaged away."]
    return []


def _shape_problems(condition: promql.Condition) -> list[str]:
    if promql.offset(condition.expr):
        return ["it reads its series at an offset (or a fixed time), so it alerts late or never."]
    if condition.bool_modifier:
        return ["its comparison uses bool, so it never filters and the alert fires always or never."]
    if condition.guarded:
        return ["it combines the threshold with and/unless, which can hold the alert back."]
    return []


def _percent_judge(needs_ratio: bool) -> Callable[[promql.Condition, Limits, Context], list[str]]:
    def judge(condition: promql.Condition, limits: Limits, _context: Context) -> list[str]:
        problems = _shape_problems(condition)
        ratio = condition.threshold / condition.scale
        if condition.complement:
            usage, direction_ok = (1 - ratio) * PERCENT, condition.op in BELOW
        else:
            usage, direction_ok = ratio * PERCENT, condition.op in ABOVE
        if not direction_ok:
            problems.append("its comparison must fire above the threshold (> or >=).")
        elif usage > limits.threshold + EPSILON:
            percent_form = abs(condition.scale - PERCENT) < EPSILON
            found = f"{usage:g}%" if percent_form else f"{usage / PERCENT:g}"
            allowed = f"{limits.threshold:g}%" if percent_form else _ratio(limits)
            problems.append(
                f"{_looser(found, allowed, limits)}: its threshold must be at most {limits.threshold:g}% "
                f"(or the ratio {_ratio(limits)})."
            )
        ratio_metric = any(s.name in _CM_RATIOS for s in promql.selectors(condition.expr))
        if needs_ratio and not promql.divides_vectors(condition.expr) and not ratio_metric:
            problems.append("it must be a ratio (divide by the total), not an absolute amount.")
        return problems + _windows_problems(condition.expr, limits)

    return judge


def _cpu_judge(condition: promql.Condition, limits: Limits, context: Context) -> list[str]:
    """Container CPU is counted in cores: only over the limit (or request) is it a percentage. Node CPU by mode
    and a process's CPU time already are fractions of a core."""
    problems = _percent_judge(False)(condition, limits, context)
    cores = any(s.name == "container_cpu_usage_seconds_total" for s in promql.selectors(condition.expr))
    if cores and not promql.divides_vectors(condition.expr):
        problems.append("it must divide container CPU (cores) by the CPU limit or request, to be a percentage.")
    return problems


_CM_RATIOS = frozenset(promql_names(*CM_CPU, *CM_MEMORY))
"""Cloud Monitoring's utilisation metrics in PromQL: already ratios."""


def _ratio(limits: Limits) -> str:
    return f"{limits.threshold / PERCENT:g}"


def _latency_judge(condition: promql.Condition, limits: Limits, _context: Context) -> list[str]:
    problems = _shape_problems(condition)
    summaries = [s for s in promql.selectors(condition.expr) if _summary_quantile(s) is not None]
    quantiles = [promql.number_arg(call) for call in promql.calls(condition.expr, "histogram_quantile")]
    quantiles += [_summary_quantile(s) for s in summaries]
    if not quantiles or any(q is None or q < 0.95 for q in quantiles):
        problems.append("its histogram_quantile (or summary quantile) must be 0.95 or a higher one.")
    names = [s.name for s in promql.selectors(condition.expr) if _latency_histogram(s.name)]
    names += [s.name for s in summaries]
    seconds = condition.threshold / condition.scale
    if any("milli" in n or "_ms_" in f"{n}_" or n in _LB_LATENCY_BUCKETS for n in names):
        seconds /= MILLISECONDS
    if condition.complement or condition.op not in ABOVE:
        problems.append("its comparison must fire above the threshold (> or >=).")
    elif seconds > limits.threshold + EPSILON:
        problems.append(
            f"{_looser(_shown(seconds), _shown(limits.threshold), limits)}: its threshold must be at most "
            f"{_shown(limits.threshold)} (in the histogram's unit)."
        )
    return problems + _windows_problems(condition.expr, limits)


def _db_judge(condition: promql.Condition, limits: Limits, context: Context) -> list[str]:
    if promql.divides_vectors(condition.expr):
        return _percent_judge(False)(condition, limits, context)
    problems = _shape_problems(condition)
    pool = any(s.name.startswith(DB_POOL_PREFIXES) for s in promql.selectors(condition.expr))
    capacity = context.pool_size if pool else context.max_connections
    allowed = capacity * limits.threshold / PERCENT
    if condition.complement or condition.op not in ABOVE:
        problems.append("its comparison must fire above the threshold (> or >=).")
    elif condition.threshold / condition.scale > allowed + EPSILON:
        what = "the pool size" if pool else "max_connections"
        found = f"{condition.threshold / condition.scale:g} connections"
        problems.append(
            f"{_looser(found, f'{allowed:g}', limits)}: its threshold must be at most {limits.threshold:g}% of "
            f"{what}, {allowed:g} connections."
        )
    return problems


def _webhook_judge(condition: promql.Condition, limits: Limits, _context: Context) -> list[str]:
    problems = _shape_problems(condition)
    function = promql.outer_function(condition.expr)
    windows = promql.windows(condition.expr)
    if condition.complement or condition.op not in ABOVE:
        return [*problems, "its comparison must fire above the threshold (> or >=)."]
    if function not in ("increase", "delta", "rate", "irate") or not windows:
        return [*problems, "it must count failures with increase() or rate() over a range window."]
    window = min(windows)
    counted = condition.threshold / condition.scale * (window if function in ("rate", "irate") else 1)
    per_window = counted * max(1.0, limits.window / window) if window > 0 else float("inf")
    if per_window > limits.threshold + EPSILON:
        found = f"{per_window:g} failures in {_shown(limits.window)}"
        problems.append(
            f"it must fire on more than {limits.threshold:g} failures in {_shown(limits.window)} "
            f"(its threshold, scaled to that window, is higher: {_looser(found, f'{limits.threshold:g}', limits)})."
        )
    return problems


# --- judging a Cloud Monitoring threshold ----------------------------------------------------------------------


def metric_types(filter_: Any) -> list[str]:
    return _METRIC_TYPE.findall(filter_) if isinstance(filter_, str) else []


def _aggregations(props: Any, key: str = "aggregations") -> list[Any]:
    listed = items(props, key)
    return listed if isinstance(listed, list) else []


def _threshold(props: Any, where: str) -> tuple[float | None, list[str]]:
    value = lookup(props, "thresholdValue")
    if value is UNKNOWN:
        return None, [unknown_message(f"{where}.thresholdValue")]
    try:
        return (DEFAULT_THRESHOLD_VALUE if value is ABSENT else float(value)), []
    except (TypeError, ValueError):
        return None, [f"{where}.thresholdValue must be a number."]


def _comparison(props: Any, where: str) -> list[str]:
    comparison = lookup(props, "comparison")
    if comparison is UNKNOWN:
        return [unknown_message(f"{where}.comparison")]
    if comparison not in CM_ABOVE:
        return [f"{where}.comparison must be COMPARISON_GT (or COMPARISON_GE)."]
    return []


def _trigger_problems(props: Any, where: str) -> list[str]:
    """A trigger needing several series (or a share of them) to cross the threshold holds the alert back."""
    count, percent = lookup(props, "trigger", "count"), lookup(props, "trigger", "percent")
    if UNKNOWN in (count, percent):
        return [unknown_message(f"{where}.trigger")]
    several = count not in (ABSENT, None) and (number(count) or 0) > 1
    if several or (percent not in (ABSENT, None) and (number(percent) or 0) > 0):
        return [f"{where}.trigger must fire on any one series (absent, or count 1)."]
    return []


def _alignment_problems(props: Any, where: str, limits: Limits) -> list[str]:
    problems = []
    allowed = max(limits.window, MIN_RATE_WINDOW_SECONDS)
    for index, aggregation in enumerate(_aggregations(props)):
        period = lookup(aggregation, "alignmentPeriod")
        if period is UNKNOWN:
            problems.append(unknown_message(f"{where}.aggregations[{index}].alignmentPeriod"))
            continue
        seconds = 0.0 if period is ABSENT else promql.duration_seconds(str(period))
        if seconds is None or seconds > allowed + EPSILON:
            problems.append(f"{where}.aggregations[{index}].alignmentPeriod must be at most {_shown(allowed)}.")
    return problems


def _cm_percent(needs_denominator: bool) -> Callable[[Any, str, Limits, Context], list[str]]:
    def judge(props: Any, where: str, limits: Limits, _context: Context) -> list[str]:
        value, problems = _threshold(props, where)
        problems += _comparison(props, where)
        if needs_denominator and lookup(props, "denominatorFilter") in (ABSENT, ""):
            problems.append(f"{where}.denominatorFilter must select all requests, so the threshold is a ratio.")
        if value is not None and value * PERCENT > limits.threshold + EPSILON:
            problems.append(
                f"{where}.thresholdValue: {_looser(f'{value:g}', _ratio(limits), limits)}; it must be at most "
                f"{_ratio(limits)} (a ratio)."
            )
        return problems + _alignment_problems(props, where, limits)

    return judge


def _cm_latency(props: Any, where: str, limits: Limits, _context: Context) -> list[str]:
    value, problems = _threshold(props, where)
    problems += _comparison(props, where)
    percentiles = [
        int(match[1])
        for aggregation in _aggregations(props)
        for key in ("perSeriesAligner", "crossSeriesReducer")
        if isinstance(lookup(aggregation, key), str) and (match := _PERCENTILE.search(lookup(aggregation, key)))
    ]
    if not percentiles or min(percentiles) < 95:
        problems.append(f"{where}.aggregations must align to ALIGN_PERCENTILE_95 (or a higher percentile).")
    allowed = limits.threshold * MILLISECONDS
    if value is not None and value > allowed + EPSILON:
        problems.append(
            f"{where}.thresholdValue: {_looser(f'{value:g} ms', f'{allowed:g} ms', limits)}; it must be at most "
            f"{allowed:g} (milliseconds)."
        )
    return problems + _alignment_problems(props, where, limits)


def _cm_db(props: Any, where: str, limits: Limits, context: Context) -> list[str]:
    value, problems = _threshold(props, where)
    problems += _comparison(props, where)
    allowed = context.max_connections * limits.threshold / PERCENT
    if value is not None and value > allowed + EPSILON:
        problems.append(
            f"{where}.thresholdValue: {_looser(f'{value:g}', f'{allowed:g}', limits)}; it must be at most "
            f"{limits.threshold:g}% of max_connections, {allowed:g}."
        )
    return problems


def _cm_webhook(props: Any, where: str, limits: Limits, _context: Context) -> list[str]:
    value, problems = _threshold(props, where)
    problems += _comparison(props, where)
    aggregations = _aggregations(props)
    aligner = lookup(aggregations[0], "perSeriesAligner") if aggregations else ABSENT
    period = lookup(aggregations[0], "alignmentPeriod") if aggregations else ABSENT
    if UNKNOWN in (aligner, period):
        return [*problems, unknown_message(f"{where}.aggregations")]
    seconds = promql.duration_seconds(str(period)) if period is not ABSENT else None
    if aligner not in ("ALIGN_DELTA", "ALIGN_SUM", "ALIGN_COUNT", "ALIGN_RATE") or not seconds:
        return [
            *problems,
            f"{where}.aggregations[0] must count failures per alignmentPeriod (ALIGN_DELTA or ALIGN_RATE).",
        ]
    if value is not None:
        counted = value * (seconds if aligner == "ALIGN_RATE" else 1)
        per_window = counted * max(1.0, limits.window / seconds)
        if per_window > limits.threshold + EPSILON:
            found = f"{per_window:g} failures in {_shown(limits.window)}"
            problems.append(
                f"{where}.thresholdValue must fire on more than {limits.threshold:g} failures in "
                f"{_shown(limits.window)} ({_looser(found, f'{limits.threshold:g}', limits)})."
            )
    return problems


def _cm_named(*prefixes: str) -> Callable[[str, Any], bool]:
    return lambda metric, _props: metric.startswith(prefixes)


def _cm_errors(metric: str, props: Any) -> bool:
    return metric.endswith("/https/request_count") and bool(_CLASS_500.search(str(lookup(props, "filter"))))


def _cm_latency_match(metric: str, _props: Any) -> bool:
    return metric.startswith("loadbalancing.googleapis.com/") and metric.endswith(
        ("total_latencies", "backend_latencies")
    )


# --- the six signals ------------------------------------------------------------------------------------------

CPU = Signal(
    "cpu",
    "CPU usage",
    ALERT_CPU_PERCENT,
    _named(
        "container_cpu_usage_seconds_total",
        "node_cpu_seconds_total",
        "process_cpu_seconds_total",
        *promql_names(*CM_CPU),
    ),
    _cpu_judge,
    _cm_named(*CM_CPU),
    _cm_percent(False),
    "rate(container_cpu_usage_seconds_total[...]) over the CPU limit",
)
MEMORY = Signal(
    "memory",
    "memory usage",
    ALERT_MEMORY_PERCENT,
    _named(
        "container_memory_working_set_bytes",
        "container_memory_usage_bytes",
        "container_memory_rss",
        "node_memory_MemAvailable_bytes",
        *promql_names(*CM_MEMORY),
    ),
    _percent_judge(True),
    _cm_named(*CM_MEMORY),
    _cm_percent(False),
    "container_memory_working_set_bytes over the memory limit",
)
ERRORS = Signal(
    "errors",
    "the error rate",
    ALERT_ERROR_RATE_PERCENT,
    _error_match,
    _error_judge,
    _cm_errors,
    _cm_percent(True),
    'http_requests_total{status=~"5.."} over all requests',
)
LATENCY = Signal(
    "latency",
    "the p95 response time",
    ALERT_LATENCY_P95,
    _latency_match,
    _latency_judge,
    _cm_latency_match,
    _cm_latency,
    "histogram_quantile(0.95, ...) over http_request_duration_seconds_bucket",
)
DATABASE = Signal(
    "database",
    "database connections",
    ALERT_DB_POOL_PERCENT,
    _db_match,
    _db_judge,
    _cm_named(CM_BACKENDS),
    _cm_db,
    "db_pool_connections_in_use over db_pool_connections_max",
    has_database,
)
WEBHOOKS = Signal(
    "webhooks",
    "failed payment webhooks",
    ALERT_WEBHOOK_FAILURES,
    lambda selectors, _expr: any(_webhook_selector(s) for s in selectors),
    _webhook_judge,
    lambda metric, _props: _webhook_metric(metric),
    _cm_webhook,
    "increase(payment_webhook_failures_total[...])",
    lambda subject: _payments(subject),
)


def _payments(subject: StackSubject) -> str | None:
    """Whether the stack serves payments: the policy config ``paymentsServed`` says so, or the program does."""
    served = subject.config.get("paymentsServed", "detect")
    if served == "yes":
        return "policy config paymentsServed is yes"
    if served == "no":
        return None
    reason = serves_payments(subject)
    return f"{reason}; policy config paymentsServed" if reason else None


def _context(subject: StackSubject) -> Context:
    """The pool size (checklist §9) and the smallest max_connections flag of the stack's Cloud SQL instances."""
    flags = []
    for instance in subject.of_type(SQL_INSTANCE):
        listed = items(instance.props, "settings", "databaseFlags")
        for flag in listed if isinstance(listed, list) else []:
            if lookup(flag, "name") == "max_connections":
                try:
                    flags.append(float(lookup(flag, "value")))
                except (TypeError, ValueError):
                    continue
    return Context(float(integers(DB_POOL)[0]), min(flags, default=float(DB_MAX_CONNECTIONS.value)))


def judge_signal(signal: Signal, subject: StackSubject, limits: Limits) -> Iterator[tuple[str, str | None]]:
    """Violations of one signal's rule: none when some rule of the signal is no looser than ``limits``."""
    rules = gather(subject)
    if not rules.defined:
        return
    context = _context(subject)
    found: list[tuple[str, list[str]]] = []
    unreadable: list[tuple[str, str]] = list(unreadable_messages(rules))
    for rule in rules.prometheus:
        if rule.query is UNKNOWN:
            unreadable.append((unknown_message(f"{rule.where}.expr"), rule.urn))
            continue
        expr = promql.parse(rule.query) if isinstance(rule.query, str) else None
        expr = promql.expand(expr, rules.records) if expr is not None and rules.records else expr
        if expr is None:
            if rule.query is not ABSENT:
                unreadable.append((f"{rule.where} does not parse as PromQL.", rule.urn))
            continue
        for condition in promql.conditions(expr):
            if signal.promql_match(promql.selectors(condition.expr), condition.expr):
                if abs(condition.scale) < EPSILON:
                    problems = ["it multiplies what it measures by zero, so it never crosses the threshold."]
                else:
                    problems = signal.promql_judge(condition, limits, context)
                problems += _hold_problems(rule, limits.hold, limits.hold_key)
                problems += _interval_problems(rule, limits.hold) + _combined_problems(rule.combined, rule.where)
                found.append((rule.urn, [p if p.startswith(rule.where) else f"{rule.where}: {p}" for p in problems]))
    for threshold in rules.thresholds:
        found += _judge_threshold(signal, threshold, limits, context, unreadable)
    if any(not problems for _, problems in found):
        return
    for urn, problems in found:
        for problem in problems:
            yield f"the rule on {signal.title} does not meet the checklist ({signal.stated.quote}): {problem}", urn
    if not found:
        reason = signal.concern(subject) if signal.concern is not None else None
        if signal.concern is not None and reason is None:
            return  # the stack has nothing this signal watches: no rule is demanded
        if unreadable:
            yield from unreadable
        else:
            why = f" The stack has the concern: {reason}." if reason else ""
            yield (
                f"the stack defines alerting but no rule on {signal.title} (checklist {signal.stated.item}: "
                f"{signal.stated.quote}); add one, e.g. on {signal.hint}.{why}",
                None,
            )


def _judge_threshold(
    signal: Signal, rule: ThresholdRule, limits: Limits, context: Context, unreadable: list[tuple[str, str]]
) -> list[tuple[str, list[str]]]:
    filter_ = lookup(rule.props, "filter")
    if filter_ is UNKNOWN:
        unreadable.append((unknown_message(f"{rule.where}.filter"), rule.urn))
        return []
    if not any(signal.metric_match(metric, rule.props) for metric in metric_types(filter_)):
        return []
    problems = signal.metric_judge(rule.props, rule.where, limits, context) + _trigger_problems(rule.props, rule.where)
    hold = lookup(rule.props, "duration")
    hold_rule = PromRule(rule.urn, rule.where, None, hold, f"{rule.where}.duration")
    problems += _hold_problems(hold_rule, limits.hold, limits.hold_key)
    return [(rule.urn, problems + _combined_problems(rule.combined, rule.where))]


# --- the policies ---------------------------------------------------------------------------------------------


SCOPES = {"database": " and has a database", "webhooks": " and serves payments"}
"""Which stacks a concern's rule is demanded of (``observability.concerns``)."""


def _register(
    signal: Signal, name: str, config: dict[str, Param], limits: Callable[[Any], Limits], remediation: str
) -> None:
    @stack_policy(
        name=name,
        item=signal.stated.item,
        level=MANDATORY,
        severity=Severity.HIGH,
        description=f"A stack that defines alerting{SCOPES.get(signal.key, '')} has a rule on {signal.title} no "
        f"looser than the checklist "
        f"({signal.stated.quote}), as a PrometheusRule or a Cloud Monitoring AlertPolicy condition.",
        remediation=remediation,
        resource_types=RULE_SOURCES,
        config=config,
        tags=("observability", "alerting"),
    )
    def check(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
        yield from judge_signal(signal, subject, limits(subject.config))


def _percent_limits(stated: Stated[int]) -> Callable[[Any], Limits]:
    def limits(config: Any) -> Limits:
        threshold = float(config["thresholdPercent"])
        hold = _seconds(config["for"])
        return Limits(threshold, hold, hold, from_checklist=threshold == stated.value)

    return limits


_register(
    CPU,
    "observability-stack-alert-cpu-usage",
    {
        "thresholdPercent": bound(ALERT_CPU_PERCENT, "Highest CPU usage threshold accepted, in percent."),
        "for": duration(ALERT_CPU_FOR, "Longest for/duration (and averaging window) accepted."),
    },
    _percent_limits(ALERT_CPU_PERCENT),
    f"Add an alert: CPU usage over its limit > {ALERT_CPU_PERCENT.value}% for {ALERT_CPU_FOR.value}, e.g. "
    f'`sum(rate(container_cpu_usage_seconds_total[2m])) / sum(kube_pod_container_resource_limits{{resource="cpu"}})'
    f" > {ALERT_CPU_PERCENT.value / PERCENT:g}` with `for: {ALERT_CPU_FOR.value}`.",
)
_register(
    MEMORY,
    "observability-stack-alert-memory-usage",
    {
        "thresholdPercent": bound(ALERT_MEMORY_PERCENT, "Highest memory usage threshold accepted, in percent."),
        "for": duration(ALERT_MEMORY_FOR, "Longest for/duration (and averaging window) accepted."),
    },
    _percent_limits(ALERT_MEMORY_PERCENT),
    f"Add an alert: working-set memory over its limit > {ALERT_MEMORY_PERCENT.value}% for {ALERT_MEMORY_FOR.value} "
    '(container_memory_working_set_bytes / kube_pod_container_resource_limits{resource="memory"}).',
)
_register(
    ERRORS,
    "observability-stack-alert-error-rate",
    {
        "thresholdPercent": bound(ALERT_ERROR_RATE_PERCENT, "Highest 5xx error-rate threshold accepted, in percent."),
        "for": duration(ALERT_ERROR_RATE_FOR, "Longest for/duration (and averaging window) accepted."),
    },
    _percent_limits(ALERT_ERROR_RATE_PERCENT),
    f"Add an alert: 5xx responses over all requests > {ALERT_ERROR_RATE_PERCENT.value}% for "
    f'{ALERT_ERROR_RATE_FOR.value} (sum(rate(http_requests_total{{status=~"5.."}}[...])) / '
    "sum(rate(http_requests_total[...]))).",
)
_register(
    LATENCY,
    "observability-stack-alert-p95-latency",
    {
        "thresholdP95": duration(ALERT_LATENCY_P95, "Highest p95 response time threshold accepted."),
        "for": duration(ALERT_LATENCY_FOR, "Longest for/duration (and averaging window) accepted."),
    },
    lambda config: Limits(
        _seconds(config["thresholdP95"]),
        _seconds(config["for"]),
        _seconds(config["for"]),
        threshold_key="thresholdP95",
        from_checklist=_seconds(config["thresholdP95"]) == _seconds(ALERT_LATENCY_P95.value),
    ),
    f"Add an alert: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[...]))) > "
    f"{ALERT_LATENCY_P95.value} (in seconds) for {ALERT_LATENCY_FOR.value}.",
)
_register(
    DATABASE,
    "observability-stack-alert-database-connections",
    {"thresholdPercent": bound(ALERT_DB_POOL_PERCENT, "Highest pool-use threshold accepted, in percent.")},
    # The checklist states no duration: the alert fires on the first evaluation above the threshold.
    lambda config: Limits(
        float(config["thresholdPercent"]),
        0.0,
        float(MIN_RATE_WINDOW_SECONDS),
        from_checklist=float(config["thresholdPercent"]) == ALERT_DB_POOL_PERCENT.value,
    ),
    f"Add an alert: connections in use over the pool size > {ALERT_DB_POOL_PERCENT.value}% with no `for` "
    "(db_pool_connections_in_use / db_pool_connections_max), or Cloud SQL num_backends over max_connections.",
)
_register(
    WEBHOOKS,
    "observability-stack-alert-payment-webhook-failures",
    {
        "failures": count(ALERT_WEBHOOK_FAILURES, "Most failed payment webhooks tolerated within the window."),
        "window": duration(ALERT_WEBHOOK_WINDOW, "The window failures are counted in."),
        "paymentsServed": Param(
            {
                "type": "string",
                "enum": ["detect", "yes", "no"],
                "default": "detect",
                "description": "Whether the stack serves payments, so needs the rule: detect (from its payment "
                "gateway variables, secrets and webhook routes), yes, or no.",
            }
        ),
    },
    lambda config: Limits(
        float(config["failures"].split()[0]),
        0.0,
        _seconds(config["window"]),
        threshold_key="failures",
        hold_key="window",
        from_checklist=config["failures"] == ALERT_WEBHOOK_FAILURES.value,
    ),
    f"Add an alert: increase(payment_webhook_failures_total[{ALERT_WEBHOOK_WINDOW.value}]) > "
    f"{integers(ALERT_WEBHOOK_FAILURES)[0]} with no `for`.",
)


SIGNALS = (CPU, MEMORY, ERRORS, LATENCY, DATABASE, WEBHOOKS)
