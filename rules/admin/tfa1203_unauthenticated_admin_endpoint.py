"""TFA1203 — Admin operation exposed as an unauthenticated web endpoint."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.admin_ops import AdminFacts, AdminRouteFact, AuthGuardFact
from ._shared import admin_reason


class AdminEndpoint(RepoRule):
    id = "TFA1203"
    name = "unauthenticated-admin-endpoint"
    factor = 12
    severity = Severity.NOTE
    title = "Admin operation exposed as an unauthenticated web endpoint"
    collectors = (AdminFacts,)
    what = """
        A route whose path names an admin operation (`/admin`, `/migrate`, `/reindex`,
        `/rebuild`, `/purge`, `/flush`, `/seed`; `/reset` and `/ingest` only when the handler
        drops, wipes or re-builds data) with no sign of authentication: no auth-named
        `Depends`/`Security` parameter, no `@login_required`/`@requires` decorator, no
        credential check in the handler, and no authentication middleware or `dependencies=`
        anywhere in the repository.
    """
    why = """
        An admin task behind a public URL runs inside the serving process, at anyone's
        request: one call can wipe a collection or re-embed the whole corpus while the
        service is serving. Admin tasks are one-off processes run by operators.
    """
    fix = """
        Run the task as a one-off admin process (`python -m agent.admin reindex`). If it must
        be triggered over HTTP, require an admin credential (`Depends(require_admin)`) and
        only enqueue the job for a worker.
    """
    invalid = (
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/admin/reindex")
            def reindex():
                rebuild_index()
                return {"status": "done"}
        """, "agent/app.py", lines=(7,), columns=(1,), message="exposes an admin operation with no authentication"),
        Example.of("""
            from flask import Flask

            app = Flask(__name__)


            @app.route("/reset", methods=["POST"])
            def reset():
                chroma_client.reset()
                return "ok"
        """, "agent/web.py", lines=(7,), columns=(1,), message="exposes an admin operation with no authentication"),
    )
    valid = (
        Example.of("""
            from fastapi import Depends, FastAPI

            from agent.auth import require_admin

            app = FastAPI()


            @app.post("/admin/reindex")
            def reindex(user=Depends(require_admin)):
                queue.enqueue("reindex")
                return {"status": "queued"}
        """, "agent/app.py"),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/chat/{session_id}/reset")
            def reset_chat(session_id: str):
                sessions.pop(session_id, None)
                return {"ok": True}


            @app.post("/ingest")
            async def ingest(file: bytes):
                store.add_texts([file.decode()])
                return {"ok": True}
        """, "agent/app.py"),
        Example.repo({
            "agent/app.py": """
                from fastapi import FastAPI

                from agent.security import ApiKeyMiddleware

                app = FastAPI()
                app.add_middleware(ApiKeyMiddleware)


                @app.post("/admin/purge")
                def purge():
                    store.delete_collection("docs")
            """,
            "tests/test_admin.py": """
                from fastapi import FastAPI

                app = FastAPI()


                @app.post("/admin/seed")
                def seed():
                    seed_db()
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return admin_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(path_role(f.path) in ("src", "script") for f in repo.facts(AuthGuardFact)):
            return
        for route in repo.facts(AdminRouteFact):
            if path_role(route.path) != "src" or route.data.authed:
                continue
            yield self.finding(route.path, route.line, route.column,
                               f"`{route.data.route}` (handler `{route.data.handler}`) exposes an admin "
                               "operation with no authentication: run it as a one-off admin process, or require "
                               "an admin credential (e.g. `Depends(require_admin)`) and only enqueue the job")
