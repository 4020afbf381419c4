"""``python -m seqalign``: the command line."""

from seqalign.cli.main import run

if __name__ == "__main__":
    run()
