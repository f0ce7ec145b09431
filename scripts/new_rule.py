"""Start a new rule: one file, with the next free id of its factor and every part to fill in.

    python scripts/new_rule.py FACTOR NAME [--kind python|artifact|repo]

FACTOR is the factor's package (``config``, ``logs`` …) or number (3, 11 …); NAME is the rule's
kebab-case name (``hardcoded-timeout``). Writes ``rules/<factor>/tfaNNNN_<name>.py`` and prints
its path. The file is a working rule class whose examples fail until you write them: run
``python -m pytest tests/test_rule_examples.py -k TFANNNN`` and fill in the TODOs until it passes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Factor number -> package under rules/ (the order of the twelve factors).
PACKAGES = {1: "codebase", 2: "dependencies", 3: "config", 4: "backing_services", 5: "build_release_run",
            6: "processes", 7: "port_binding", 8: "concurrency", 9: "disposability", 10: "parity", 11: "logs",
            12: "admin"}
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

_HEADER = '''"""{id}: TODO one line on what the rule finds."""

from __future__ import annotations

'''

_BODY = '''
class {cls}({base}):
    id = "{id}"
    name = "{name}"
    factor = {factor}
    severity = Severity.WARNING  # error and warning are scored; note is advisory
    title = "TODO: the problem, in a short noun phrase"
    what = """
        TODO: what the rule finds, precisely enough that a reader can predict its findings.
    """
    why = """
        TODO: why it breaks the factor, and what it costs the team in production.
    """
    fix = """
        TODO: what to change instead, with the code or command to use.
    """
    invalid = (Example.of("""
        TODO: code on which the rule must fire
    """, lines=(1,), columns=(1,), message="TODO: a phrase of the message"),)
    valid = (Example.of("""
        TODO: the same code, done right, on which it must not fire
    """),)
'''

_KINDS = {
    "python": ("AstRule", "import ast\n\nfrom tfa_lint.model import Severity\nfrom tfa_lint.rule import AstRule, Example\n",
               '''
    def visit_Call(self, node: ast.Call) -> None:
        # Ask the semantic model, never track context by hand: self.qualified_names(node.func),
        # self.semantic.enclosing_function(node), .at_module_level(node), .under_main_guard(node).
        if "TODO.qualified.name" in self.qualified_names(node.func):
            self.report(node, "TODO: what is wrong here, and the fix")
'''),
    "artifact": ("ArtifactRule", "from collections.abc import Iterator\n\nfrom tfa_lint.model import Artifact, "
                 "FileKind, Finding, Severity\nfrom tfa_lint.rule import ArtifactRule, Example\n",
                 '''    kinds = (FileKind.DOCKERFILE,)  # TODO: the kinds of file it reads

    def check(self, artifact: Artifact) -> Iterator[Finding]:
        for number, line in enumerate(artifact.text.splitlines(), 1):
            if "TODO" in line:
                yield self.finding(artifact.path, number, 1, "TODO: what is wrong here, and the fix")
'''),
    "repo": ("RepoRule", "from collections.abc import Iterator\n\nfrom tfa_lint.model import Finding, Repo, "
             "Severity\nfrom tfa_lint.rule import Example, RepoRule\n"
             "from tfa_lint.rules.facts.config_reads import EnvReadFact, EnvReadFacts\n",
             '''    collectors = (EnvReadFacts,)  # TODO: every collector whose facts it reads

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None  # TODO: the reason the rule does not apply to this repository, or None

    def check(self, repo: Repo) -> Iterator[Finding]:
        for fact in repo.facts(EnvReadFact):  # TODO: the payload classes of the facts it reads
            yield self.finding(fact.path, fact.line, fact.column, "TODO: what is wrong here, and the fix")
'''),
}


def next_id(factor: int, rules_dir: Path) -> str:
    """The next serial of ``factor`` that no rule file uses (retired ids keep their files'
    numbers taken through ``RETIRED``, which the registry checks)."""
    taken = {int(m.group(1)) for m in (re.match(rf"tfa{factor:02d}(\d\d)_", p.name)
                                       for p in rules_dir.glob(f"*/tfa{factor:02d}*.py")) if m}
    retired = _retired_serials(factor)
    serial = next(n for n in range(1, 100) if n not in taken | retired)
    return f"TFA{factor:02d}{serial:02d}"


def _retired_serials(factor: int) -> set[int]:
    try:
        from tfa_lint.rules import RETIRED
    except ImportError:
        return set()
    return {int(rule_id[5:]) for rule_id in RETIRED if rule_id.startswith(f"TFA{factor:02d}")}


def scaffold(factor_arg: str, name: str, kind: str, rules_dir: Path) -> Path:
    factor = int(factor_arg) if factor_arg.isdigit() else {v: k for k, v in PACKAGES.items()}.get(factor_arg, 0)
    if factor not in PACKAGES:
        raise SystemExit(f"unknown factor {factor_arg!r}: one of 1-12 or {', '.join(PACKAGES.values())}")
    if not NAME_RE.match(name):
        raise SystemExit(f"the name must be kebab-case, e.g. hardcoded-timeout, not {name!r}")
    rule_id = next_id(factor, rules_dir)
    path = rules_dir / PACKAGES[factor] / f"{rule_id.lower()}_{name.replace('-', '_')}.py"
    if any(p.name.endswith(f"_{name.replace('-', '_')}.py") for p in rules_dir.glob("*/tfa*.py")):
        raise SystemExit(f"a rule named {name!r} exists already")
    base, imports, methods = _KINDS[kind]
    cls = "".join(part.capitalize() for part in name.split("-"))
    text = _HEADER.format(id=rule_id) + imports + "\n" + _BODY.format(
        cls=cls, base=base, id=rule_id, name=name, factor=factor) + methods
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("factor", help="the factor's package or number")
    parser.add_argument("name", help="the rule's kebab-case name")
    parser.add_argument("--kind", choices=sorted(_KINDS), default="python",
                        help="python: an AstRule over each Python file; artifact: over one parsed file "
                             "(Dockerfile, requirements …); repo: over the whole repository's facts")
    parser.add_argument("--rules-dir", type=Path, default=ROOT / "rules", help=argparse.SUPPRESS)
    args = parser.parse_args()
    print(scaffold(args.factor, args.name, args.kind, args.rules_dir))


if __name__ == "__main__":
    sys.exit(main())
