"""The `newsdesk` command with the hashing embedder, for tests that run it in a process:
`python tests/fake_newsdesk.py ask "..."`."""

import sys

from assistant.cli import main
from fakes import HashEmbedding

if __name__ == "__main__":
    sys.exit(main(embedder=HashEmbedding()))
