"""A hostile repository, built in a temporary directory from this code (nothing large or
binary is committed): every kind of input tfa-lint must survive, next to ordinary files that
must still be checked.

``build(root)`` returns the plan: for each hostile path, a fragment of the reason its
diagnostic must give; the normal paths that must be checked; and the findings that must still
be reported (path, rule, line).
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tfa_lint.discover import MAX_DEPTH

#: Deeper than discovery descends (tfa_lint.discover.MAX_DEPTH); shallow enough for pytest to
#: delete the temporary directory afterwards (shutil.rmtree recurses).
DIRECTORY_DEPTH = 600
NESTING_DEPTH = 5000
#: Empty files (100,000 took 21.7 s with --jobs 2; this many keeps the suite quick).
EMPTY_FILES = 20_000


@dataclass
class Plan:
    root: Path
    #: path -> fragment of the diagnostic's reason
    hostile: dict[str, str] = field(default_factory=dict)
    #: paths that must be checked, with no diagnostic that skips them
    normal: set[str] = field(default_factory=set)
    #: (path, rule, line) that must be reported
    findings: set[tuple[str, str, int]] = field(default_factory=set)

    def write(self, rel: str, content: str | bytes, *, hostile: str | None = None) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        if hostile is None:
            self.normal.add(rel)
        else:
            self.hostile[rel] = hostile
        return path


def build(root: Path) -> Plan:
    plan = Plan(root)
    _ordinary(plan)
    _bad_bytes(plan)
    _bad_syntax(plan)
    _resource_attacks(plan)
    _awkward_paths(plan)
    return plan


def _ordinary(plan: Plan) -> None:
    plan.write(".git/HEAD", "ref: refs/heads/main\n")
    plan.normal.discard(".git/HEAD")
    plan.write("app/main.py", "import os\n\n\ndef handler():\n    print('hello')\n    return os.environ['PORT']\n")
    plan.findings.add(("app/main.py", "TFA1101", 5))
    plan.write("requirements.txt", "requests==2.32.3\n")
    plan.write("Dockerfile", "FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"-m\", \"app.main\"]\n")


def _bad_bytes(plan: Plan) -> None:
    plan.write("bytes/binary.py", bytes(range(256)) * 8, hostile="binary")
    plan.write("bytes/binary/Dockerfile", b"FROM x\n\x00\x01\x02\xff" * 50, hostile="binary")
    plan.write("bytes/latin1.py", "name = 'caf\u00e9'\n".encode("latin-1"), hostile="UTF-8")
    plan.write("bytes/utf16.py", "print('hi')\n".encode("utf-16"), hostile="UTF-16")
    plan.write("bytes/utf16-requirements.txt", "requests\n".encode("utf-16"), hostile="UTF-16")
    plan.write("bytes/nul.py", b"x = 1\n\x00\ny = 2\n", hostile="binary")
    plan.write("bytes/ignores/.gitignore", b"uv.lock\n\x00\xff*.pyc\n" * 20, hostile="binary")
    plan.write("bytes/huge_line.py", b"x = '" + b"a" * (5 * 1024 * 1024) + b"'\n", hostile="size cap")
    plan.write("bytes/over_cap.py", b"# padding\n" * (120 * 1024), hostile="size cap")
    plan.write("bytes/huge_line/uv.lock", b"version = 1\n# " + b"b" * (5 * 1024 * 1024) + b"\n")
    # Ordinary after all: these must be checked, with findings on the right lines.
    # Each runs a service loop of its own, so TFA1101 counts it as service code.
    plan.write("bytes/crlf.py", b"import os\r\n\r\ndef f():\r\n    print('x')\r\nwhile True:\r\n    f()\r\n")
    plan.findings.add(("bytes/crlf.py", "TFA1101", 4))
    plan.write("bytes/lone_cr.py", b"import os\r\rdef f():\r    print('x')\rwhile True:\r    f()\r")
    plan.findings.add(("bytes/lone_cr.py", "TFA1101", 4))
    plan.write("bytes/bom.py", b"\xef\xbb\xbfdef f():\n    print('x')\nwhile True:\n    f()\n")
    plan.findings.add(("bytes/bom.py", "TFA1101", 2))
    plan.write("bytes/empty.py", b"")
    plan.write("bytes/empty/requirements.txt", b"")


def _bad_syntax(plan: Plan) -> None:
    plan.write("syntax/python2.py", "print 'hello'\nexec 'x = 1'\n", hostile="syntax error")
    plan.write("syntax/truncated.py", "def handler(event,\n    return {\n", hostile="syntax error")
    plan.write("syntax/newest.py", (
        "match command:\n    case {'action': str(name), **rest}:\n        pass\n    case _:\n        pass\n"
        "type Pair[T] = tuple[T, T]\n"
        "def first[T: (int, str)](items: list[T]) -> T:\n    return items[0]\n"
        "try:\n    pass\nexcept* (ValueError, TypeError) as group:\n    raise\n"
        "greeting = t'hello {name!r:>10}'\n"))
    plan.write("syntax/Dockerfile", (
        "FROM python:3.12-slim\nFROOB nonsense here\nRUN <<EOF\napt-get update\nEOF\n"
        "COPY <<EOF /app/config.ini\n[x]\nEOF\nONBUILD RUN echo\nCMD [\"python\"\n"),
               hostile="`FROOB` is not a Dockerfile instruction")
    plan.write("syntax/bad-toml/pyproject.toml", "[project\nname = 'x'\ndependencies = [\n", hostile="TOML")
    plan.write("syntax/bad-req/requirements.txt", "requests>=\n-r\n--index-url\n$%^&*\nfoo[bar\n",
               hostile="not a requirement pip can read")
    plan.write("syntax/bad-proc/Procfile", "web\n: nothing\nworker: \n\x7f: x\n", hostile="not a `name: command`")
    plan.write("syntax/bad-compose/docker-compose.yml", "services:\n  web: [unclosed\n    ports: {\n",
               hostile="YAML")
    plan.write("syntax/bad-logging/logging.ini", "class=FileHandler\nargs=('x.log',)\n[handler_\n", hostile="INI")
    plan.write("syntax/bad-logging/log_config.yaml", "handlers:\n  file: {class: [\n", hostile="YAML")
    plan.write("syntax/bad-logging/log_config.json", '{"handlers": {"file": ', hostile="JSON")
    plan.write("syntax/bad-fly/fly.toml", "[processes\napp = 'uvicorn app:app'\n", hostile="TOML")
    plan.write("syntax/bad-render/render.yaml", "services:\n  - type: web\n    startCommand: [unclosed\n",
               hostile="YAML")
    plan.write("syntax/k8s/worker.yaml", "kind: Deployment\nspec: {template: [\n---\nkind: Job\nspec: x\n",
               hostile="not valid YAML")


def _resource_attacks(plan: Plan) -> None:
    plan.write("attack/deep_parens.py", "x = " + "(" * NESTING_DEPTH + "1" + ")" * NESTING_DEPTH + "\n",
               hostile="nested too deeply")
    plan.write("attack/deep_lists.py", "x = " + "[" * 200 + "]" * 200 + "\n")
    plan.write("attack/deep_calls.py", "x = " + "f(" * 90 + ")" * 90 + "\n")
    laughs = "a: &a [" + ",".join(["x"] * 10) + "]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(9))
    plan.write("attack/bomb/docker-compose.yml", "services:\n  web:\n    image: x\n" + laughs)
    plan.write("attack/bomb/k8s/deploy.yaml", "kind: Deployment\n" + laughs + "spec:\n  template: *j\n")
    plan.write("attack/self-anchor/k8s/deploy.yaml",
               "kind: Deployment\nspec: &s\n  template:\n    spec: *s\n  replicas: 3\n")
    plan.write("attack/many-docs/k8s/jobs.yaml", "kind: Job\nspec: {}\n---\n" * 20000)
    plan.write("attack/big-yaml/docker-compose.yml", "services:\n" + "".join(
        f"  s{i}:\n    image: x\n    environment:\n      K{i}: v\n" for i in range(12000)))
    plan.write("attack/deep_shell/start.sh", "#!/bin/sh\n" + "if true; then\n" * 300 + "echo x\n" + "fi\n" * 300,
               hostile="nested more than 200 deep")
    plan.write("attack/long_shell/run.sh", "echo step\n" * 6000, hostile="more than 5000 commands")
    plan.write("attack/loop_shell/entrypoint.sh", ". ./entrypoint.sh\nsource entrypoint.sh\nf() { f; }\nf\nexec \"$@\"\n")
    plan.write("attack/cycle/requirements.txt", "-r requirements.txt\n-r other.txt\nrequests==2.32.3\n")
    plan.write("attack/cycle/other.txt", "-r requirements.txt\n")
    plan.normal.discard("attack/cycle/other.txt")  # not a requirements file by name
    plan.write("attack/escape/requirements.txt", "-r ../../../../../../etc/passwd\n-c /etc/shadow\n")

    links = plan.root / "attack/links"
    links.mkdir(parents=True)
    os.symlink("loop.py", links / "loop.py")
    plan.hostile["attack/links/loop.py"] = "could not be read"
    os.symlink("/etc/passwd", links / "outside.py")
    plan.hostile["attack/links/outside.py"] = "outside the scanned root"
    os.symlink("/dev/zero", links / "zero.py")
    plan.hostile["attack/links/zero.py"] = "outside the scanned root"
    os.symlink("..", links / "up")  # a directory loop
    plan.hostile["attack/links/up"] = "not followed"
    os.symlink("/", links / "slash")
    plan.hostile["attack/links/slash"] = "not followed"
    if hasattr(os, "mkfifo"):
        os.mkfifo(plan.root / "attack/fifo.py")
        plan.hostile["attack/fifo.py"] = "not a regular file"
    if os.geteuid() == 0 and hasattr(os, "mknod"):  # a device node: only root may make one
        (plan.root / "attack/zero").mkdir()
        try:
            os.mknod(plan.root / "attack/zero/Dockerfile", 0o666 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
            plan.hostile["attack/zero/Dockerfile"] = "not a regular file"
        except PermissionError:
            pass  # a container without CAP_MKNOD
    if os.geteuid() != 0:  # root reads everything: no permission to deny
        locked = plan.write("attack/locked.py", "x = 1\n", hostile="could not be read")
        locked.chmod(0)
        locked_dir = plan.root / "attack/locked_dir"
        locked_dir.mkdir()
        (locked_dir / "inside.py").write_text("x = 1\n")
        locked_dir.chmod(0)
        plan.hostile["attack/locked_dir"] = "could not be read"

    for i in range(EMPTY_FILES):
        rel = f"attack/empty/p{i // 1000}/m{i}.py"
        if i % 1000 == 0:
            (plan.root / rel).parent.mkdir(parents=True)
        (plan.root / rel).touch()
        plan.normal.add(rel)

    deep = plan.root / "attack/deep"
    deep.mkdir()
    _deep_directory(deep, DIRECTORY_DEPTH)
    plan.hostile["attack/deep/" + "/".join(["d"] * (MAX_DEPTH - 1))] = "too deep"


def _deep_directory(top: Path, depth: int) -> None:
    """d/d/d/… ``depth`` levels, a Python file at the bottom, made relative to each level so
    that no call sees a path longer than PATH_MAX."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        bottom = os.open("bottom.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(bottom, b"print('deep')\n")
        os.close(bottom)
    finally:
        os.close(fd)


#: A module with a service loop of its own: TFA1101 reports its print on line 2.
SERVES = "def f():\n    print('x')\nwhile True:\n    f()\n"


def _awkward_paths(plan: Plan) -> None:
    for name in ("with space.py", "colon::name.py", "percent%41.py", "comma,name.py", "ünïcödé.py"):
        plan.write(f"paths/{name}", SERVES)
        plan.findings.add((f"paths/{name}", "TFA1101", 2))
    if sys.platform != "darwin":  # macOS refuses names that are not UTF-8
        raw = os.fsencode(plan.root / "paths") + b"/bad\xffname.py"
        with open(raw, "wb") as handle:
            handle.write(SERVES.encode())
        plan.normal.add(os.fsdecode(b"paths/bad\xffname.py"))
        plan.findings.add((os.fsdecode(b"paths/bad\xffname.py"), "TFA1101", 2))
    plan.write("paths/new\nline.py", SERVES)
    plan.findings.add(("paths/new\nline.py", "TFA1101", 2))
