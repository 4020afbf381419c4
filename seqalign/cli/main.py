"""The ``seqalign`` command: the Typer app, and the one place where errors become exit codes.

Exit codes:

=====  ==========================================================================
0      success (also ``--help`` and ``--version``)
1      a failure while working (:class:`~seqalign.errors.SeqalignError`, an OS error while
       writing, an internal error: a bug)
2      bad usage or input: an unknown option, a bad value, an unreadable file
       (:class:`~seqalign.errors.InputError`); nothing is written
130    interrupted (Ctrl-C)
=====  ==========================================================================

Errors are one line on standard error, ``seqalign: error: <message>``, without a traceback
(``SEQALIGN_DEBUG=1`` adds it); usage errors too, as ``seqalign warp: error: <message> (see
seqalign warp --help)`` (:mod:`seqalign.cli.usage`). When the reader of
standard output goes away (``seqalign warp a b | head``), the command stops quietly.

Nothing heavy is imported here: numpy, numba and librosa load inside the commands, so that
``seqalign --help`` answers at once.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from seqalign import __version__
from seqalign.cli.barycenter import barycenter
from seqalign.cli.batch import batch
from seqalign.cli.coercion import PlainValues
from seqalign.cli.evaluate import evaluate
from seqalign.cli.follow import follow
from seqalign.cli.matrix import matrix
from seqalign.cli.search import search
from seqalign.cli.segment import segment
from seqalign.cli.soft import soft
from seqalign.cli.usage import check_numbers, usage_line
from seqalign.cli.warmup import warmup
from seqalign.cli.warp import warp
from seqalign.errors import SeqalignError


class _Group(PlainValues, typer.core.TyperGroup):
    """The root group; its ``--help`` flag defaults to False rather than None.

    typer converts a flag's value through pydantic unless it is already a bool, and importing
    pydantic would double the time of ``seqalign warp --help``.
    """

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


class _Command(PlainValues, typer.core.TyperCommand):
    """A command whose numbers are checked (:func:`seqalign.cli.usage.check_numbers`) once
    parsed, before it runs: one check for every integer and real option of every command."""

    def invoke(self, ctx: Any) -> Any:
        root = ctx.find_root().obj
        check_numbers(
            ctx.params, self.params, root.get("argv", ()) if isinstance(root, dict) else ()
        )
        return super().invoke(ctx)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"seqalign {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="seqalign",
    cls=_Group,
    help="Continuous sequence alignment from the shell: exact and soft dynamic time warping, "
    "changepoint segmentation and their evaluation, for recordings, arrays and tables. Data "
    "goes to standard output, messages to standard error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich's help panels would double the time of seqalign --help.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("warp", no_args_is_help=True, cls=_Command)(warp)
app.command("soft", no_args_is_help=True, cls=_Command)(soft)
app.command("barycenter", no_args_is_help=True, cls=_Command)(barycenter)
app.command("segment", no_args_is_help=True, cls=_Command)(segment)
app.command("evaluate", no_args_is_help=True, cls=_Command)(evaluate)
app.command("matrix", no_args_is_help=True, cls=_Command)(matrix)
app.command("search", no_args_is_help=True, cls=_Command)(search)
app.command("follow", no_args_is_help=True, cls=_Command)(follow)
app.command("batch", no_args_is_help=True, cls=_Command)(batch)
app.command("warmup", cls=_Command)(warmup)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Continuous sequence alignment from the shell."""


def _say(message: str, prefix: str = "seqalign: ") -> None:
    """One line on standard error (a broken standard error is ignored)."""
    try:
        sys.stderr.write(f"{prefix}{' '.join(message.split())}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # pragma: no cover - nowhere left to complain
        pass


def _debug() -> bool:
    return os.environ.get("SEQALIGN_DEBUG", "") not in ("", "0")


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that the final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - e.g. a captured stream
        pass


def main(args: Sequence[str] | None = None) -> int:
    """Run the command line on ``args`` (default ``sys.argv[1:]``) and return the exit code.

    This is the one place that turns exceptions into messages and exit codes; the commands
    raise, they never exit.
    """
    command = typer.main.get_command(app)
    argv = list(sys.argv[1:] if args is None else args)
    try:
        result = command.main(
            args=None if args is None else list(args),
            prog_name="seqalign",
            standalone_mode=False,
            obj={"argv": argv},
        )
    except SeqalignError as error:
        if _debug():
            traceback.print_exc()
        _say(f"error: {error.message}")
        return error.exit_code
    except typer.TyperException as error:  # click's usage errors: one line, exit 2
        if type(error).__name__ == "NoArgsIsHelpError":  # a bare command: its help
            error.show()
        elif hasattr(error, "format_message"):
            _say(usage_line(error, argv, list(command.commands)), prefix="")
        else:  # pragma: no cover - every click exception has format_message()
            _say(f"error: {error}")
        return error.exit_code
    except typer.Abort:  # end of input at a prompt
        _say("aborted")
        return 1
    except KeyboardInterrupt:  # outside the command; inside it, click returns 130 (below)
        _say("interrupted")
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except SystemExit as exit_:  # click's own exit after a broken pipe on standard output
        return exit_.code if isinstance(exit_.code, int) else 1
    except MemoryError:
        if _debug():
            traceback.print_exc()
        _say(
            "error: out of memory while working (the estimate before it fell short); give "
            "shorter inputs or a lower --max-memory"
        )
        return 1
    except OSError as error:  # the system refused: disk full, permissions changed mid-run...
        if _debug():
            traceback.print_exc()
        where = f" ({error.filename})" if error.filename else ""
        _say(f"error: {error.strerror or error}{where}")
        return 1
    except Exception as error:  # a bug
        if _debug():
            traceback.print_exc()
        hint = "" if _debug() else "; set SEQALIGN_DEBUG=1 for the traceback"
        _say(f"internal error: {type(error).__name__}: {error}{hint}")
        return 1
    if result == 130:  # click turned a Ctrl-C inside the command into exit code 130
        _say("interrupted")
    return result if isinstance(result, int) else 0


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM or SIGHUP: unwind like Ctrl-C, so that no temporary file is left behind."""
    raise SystemExit(128 + signum)


def run() -> None:
    """Console-script entry point (``seqalign``, ``python -m seqalign``).

    SIGTERM and SIGHUP (``kill``, a closed terminal, a job scheduler's time limit) end the
    command as Ctrl-C does: outputs being written are removed, finished ones are kept, and the
    exit code is 128 + the signal's number.
    """
    import signal

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminated)
    sys.exit(main())
