"""Production settings, with bench/bareview.py as the URL table: every address
of the application plus `POST /bench/bare/`. Only the benchmark's web servers
use it (bench/stack.py)."""

from undersigned.settings import *  # noqa: F403

ROOT_URLCONF = "bareview"
