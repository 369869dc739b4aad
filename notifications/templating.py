"""The one Jinja2 setup for everything officials read: messages and reports, in Russian."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from models.ru import format_date, format_occurrence


def make_environment(package: str = "notifications", *, empty_date: str = "—") -> Environment:
    """A fresh environment over the templates of `package` (its `templates` folder: notifications/templates for
    messages, reports/templates for reports) with the shared settings and the `ru_date` and `ru_occurrence` filters.

    Undefined names are errors; HTML templates (named *.html.j2) are escaped, because names, titles
    and evidence come from files. Callers add their own filters and globals.
    """
    env = Environment(
        loader=PackageLoader(package, "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # the templates ship with the package: no stat of every template file at every render
        auto_reload=False,
    )
    env.filters["ru_date"] = lambda d: format_date(d) if d else empty_date
    env.filters["ru_occurrence"] = format_occurrence
    return env
