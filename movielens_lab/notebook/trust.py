"""A Jupyter server extension: a code cell with no output opens trusted, whoever signed the notebook.

Jupyter's trust guards outputs: an untrusted notebook does not show the HTML and JavaScript its cells' outputs
hold until the user runs them. jupyter_server marks every code cell untrusted when the notebook's signature is not
in the user's own notary database, which is always so for a notebook from elsewhere (a signature made on the
instructor's machine verifies nowhere else), even when its cells hold no output at all; Notebook 7 then says "Not
Trusted" of a freshly released lab, and JupyterLab's status bar likewise. A cell with no output has nothing to
distrust (ipython/ipython#5087, "trust cells with no output"; jupyter_server signs such a notebook on its first
save for the same reason), so this notary trusts it on opening too. Every cell that has an output keeps what the
signature says: nothing shown from someone else's output is trusted.

``requirements.txt`` installs ``jupyter-config/``, which enables this extension in the environment's Jupyter.
"""

from __future__ import annotations

from typing import Any

from nbformat.sign import NotebookNotary, yield_code_cells


class OutputlessCellsTrusted(NotebookNotary):
    """Jupyter's notary, except that loading marks a code cell without outputs trusted."""

    def mark_cells(self, nb: Any, trusted: bool) -> None:
        super().mark_cells(nb, trusted)
        if nb.nbformat >= 3:
            for cell in yield_code_cells(nb):
                if not cell.get("outputs"):
                    cell["metadata"]["trusted"] = True


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Give the server's contents manager this notary, configured as its own (data_dir, db_file, ...)."""
    manager = serverapp.contents_manager
    manager.notary = OutputlessCellsTrusted(parent=manager)
