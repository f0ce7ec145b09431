"""What several rules read about a repository: the fact collectors (one module per topic) and
the analyses over them — processes, projects, config reads, manifests, the import graph,
secret shapes — plus the ``ast`` and command-line helpers they share.

Rule modules import from here; nothing here imports a rule.
"""
