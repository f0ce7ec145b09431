"""Shell scripts: what tree-sitter-bash reads from them, and how processes are followed into them."""

from __future__ import annotations

from tfa_lint.discover import kind_of
from tfa_lint.model import FileKind
from tfa_lint.sources.dockerfile import parse as parse_dockerfile
from tfa_lint.sources.shell import parse


def _steps(text: str) -> list[tuple[int, tuple[str, ...], bool, bool, bool]]:
    return [(s.line, s.words, s.exec, s.background, s.final) for s in parse("start.sh", text).steps]


def test_commands_in_order_with_exec_background_and_quotes_removed() -> None:
    assert _steps('set -e\nredis-server --daemonize yes\npostgres &\nA=1 exec gosu app python -m "agent.main"\n') == [
        (1, ("set", "-e"), False, False, False),
        (2, ("redis-server", "--daemonize", "yes"), False, False, False),
        (3, ("postgres",), False, True, False),
        (4, ("A=1", "exec", "gosu", "app", "python", "-m", "agent.main"), True, False, True),
    ]


def test_the_final_commands_are_those_the_script_can_end_with() -> None:
    text = ('if [ "$ROLE" = worker ]; then\n  exec celery -A agent worker\nelse\n  main "$@"\nfi\n'
            'main() { uvicorn agent.api:app; }\nexit 0\n')
    finals = [(line, words[0]) for line, words, _, _, final in _steps(text) if final]
    # both branches, and the body of the function the else-branch calls; `exit` is not the last command
    assert finals == [(2, "exec"), (4, "main"), (6, "uvicorn")]


def test_a_final_loop_may_be_running_any_of_its_commands() -> None:
    finals = [words[0] for _, words, _, _, final in _steps("while true; do\n  python worker.py\n  sleep 5\ndone\n") if final]
    assert finals == ["true", "python", "sleep"]


def test_chains_are_conditional_and_the_last_of_a_chain_is_final() -> None:
    steps = parse("s.sh", "python manage.py migrate && uvicorn agent:app\n").steps
    assert [(s.words[0], s.conditional, s.final) for s in steps] == [("python", False, False), ("uvicorn", True, True)]


def test_top_level_statements_are_those_of_the_script_itself() -> None:
    text = ("set -e\ncd /srv && migrate\n(subshell)\n{ group; }\nproducer | consumer\n! negated\n"
            "if check; then branch; fi\nstart() { body; }\nstart\nserver > /proc/1/fd/1 2>&1\n")
    top = [s.words[0] for s in parse("s.sh", text).steps if s.top_level]
    # an exec before any of these replaces the script's own shell; inside the others, a subshell or nothing
    assert top == ["set", "migrate", "start", "server"]


def test_variables_and_traps() -> None:
    script = parse("s.sh", "trap 'kill $pid' TERM SIGINT 0\necho \"token ${API_TOKEN} for $USER\"\n")
    assert script.traps == {"TERM", "INT", "EXIT"}
    assert script.steps[1].variables == ("API_TOKEN", "USER")


def test_functions_are_read_where_they_are_called_once() -> None:
    steps = _steps("f() { g; }\ng() { f; echo in-g; }\nf\nf\n")
    assert [words for _, words, _, _, _ in steps] == [("f",), ("g",), ("f",), ("echo", "in-g"), ("f",)]


def test_columns_are_characters_not_bytes() -> None:
    steps = parse("s.sh", 'if true; then echo "é"; exec run; fi\n').steps
    assert [(s.words[0], s.column) for s in steps] == [("true", 4), ("echo", 15), ("exec", 25)]  # é is two bytes


def test_a_file_named_like_a_script_with_another_shebang_is_not_read() -> None:
    assert not parse("start", "#!/usr/bin/env python3\nprint('x')\n").is_shell
    assert parse("start", "#!/usr/bin/env bash\nexec x\n").steps
    assert parse("run.sh", "exec x\n").is_shell  # the suffix says it is one


def test_broken_and_hostile_scripts_give_diagnostics_not_errors() -> None:
    assert parse("s.sh", "if then fi ((( \"\n").problems()
    deep = parse("s.sh", "if true; then\n" * 300 + "echo x\n" + "fi\n" * 300)
    assert "nested more than 200 deep" in deep.problems()[0]
    long = parse("s.sh", "echo x\n" * 6000)
    assert len(long.steps) == 5000 and "more than 5000 commands" in long.problems()[0]


def test_file_kinds_of_scripts_and_every_dockerfile_name() -> None:
    for name in ("Dockerfile", "Dockerfile.worker", "Dockerfile-gpu", "DockerfileCelery", "api.Dockerfile",
                 "Dockerfile.j2", "dockerfile", "Containerfile.dev"):
        assert kind_of(name, name) is FileKind.DOCKERFILE, name
    for name in ("Dockerfile.md", "dockerfile_utils.go", "Dockerfiles", "Dockerfile.dockerignore"):
        assert kind_of(name, name) is not FileKind.DOCKERFILE, name
    assert kind_of("Dockerfile.dockerignore", "x") is FileKind.DOCKERIGNORE
    for name in ("start.sh", "entrypoint.bash", "docker-entrypoint", "start"):
        assert kind_of(name, name) is FileKind.SHELL, name


def test_a_templated_dockerfile_never_takes_template_expressions_for_values() -> None:
    dockerfile = parse_dockerfile("Dockerfile.j2", (
        "FROM python:{{ python_version }}-slim\n{% if gpu %}\nRUN pip install torch=={{ torch }}\n{% endif %}\n"
        "ENV OPENAI_API_KEY={{ openai_key }}\n"))
    assert [(i.keyword, i.line) for i in dockerfile.instructions] == [("FROM", 1), ("RUN", 3), ("ENV", 5)]
    assert dockerfile.resolve(dockerfile.stages[0].image) is None  # known only when rendered
    assert "{{" not in dockerfile.instructions[2].value and len(dockerfile.instructions[2].value) == len(
        "OPENAI_API_KEY={{ openai_key }}")
    # a plain Dockerfile keeps `{{` (a Go template in a `docker inspect --format` is a value)
    plain = parse_dockerfile("Dockerfile", "FROM x\nRUN docker inspect --format '{{.Id}}' y\n")
    assert "{{.Id}}" in plain.instructions[1].value


def test_where_each_command_writes_its_output() -> None:
    steps = parse("s.sh", 'echo "$T" | docker login --password-stdin\necho "$T" > f\necho a 2>&1\necho b >&2\n'
                          "echo c &> /dev/null\necho d > /dev/stdout\n").steps
    assert [s.output for s in steps] == ["pipe", "log", "file", "log", "log", "file", "log"]
