"""The packages of outreach_app are layers: each imports only packages below it, so that no
two import each other (``scripts/import-cycles`` lists cycles; this checks the order that
keeps them away). What a lower package needs from a higher one, the app factory hands it."""

from __future__ import annotations

import importlib.util
from importlib.machinery import SourceFileLoader
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Bottom to top; a package may import the packages before it.
LAYERS = (
    "core",
    "audit",
    "regions",
    "reference",
    "auth",
    "partners",
    "events",
    "handouts",
    "attendee",
    "problems",
    "reach",
    "coverage",
    "event_reports",
)
# The top: each may import any layer, none imports another of these.
TOP = ("schedule", "users", "home", "demo")


def _area_graph() -> dict[str, dict[str, set[str]]]:
    loader = SourceFileLoader("import_cycles", str(ROOT / "scripts" / "import-cycles"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    script = importlib.util.module_from_spec(spec)
    loader.exec_module(script)
    return script.area_graph()


def _allowed(area: str) -> set[str]:
    if area in TOP:
        return set(LAYERS)
    return set(LAYERS[: LAYERS.index(area)])


def test_every_package_has_its_place_in_the_layers():
    packages = {path.parent.name for path in (ROOT / "outreach_app").glob("*/__init__.py")}
    assert packages == set(LAYERS) | set(TOP)


def test_packages_import_only_the_layers_below_them():
    graph = _area_graph()
    upward = {
        (area, other): sorted(modules)
        for area, imported in graph.items()
        if area in LAYERS or area in TOP
        for other, modules in imported.items()
        if other not in _allowed(area)
    }
    assert upward == {}
