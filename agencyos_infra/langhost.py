"""The program's side of an offline run: what ``pulumi-language-python-exec`` does for the real CLI.

Run as a file by the program's own interpreter (the virtualenv its Pulumi.yaml names), in a process of
its own, so nothing the program does reaches the engine except over the resource monitor's gRPC
protocol: it cannot patch the engine or the analyzer, exit or kill the tool, or shadow the tool's
modules. It imports only the standard library and the program's own Pulumi SDK, never
``agencyos_infra`` (which the program's virtualenv does not have).

Like the real exec script it reads the stack's config from ``PULUMI_CONFIG`` and
``PULUMI_CONFIG_SECRET_KEYS``, configures the SDK with the monitor and engine addresses, and runs the
program with ``runpy`` inside ``run_in_stack``. Unlike it, it writes one JSON line on ``--result-fd``
when the program has finished (``{"error": null}``, or the one-line failure and the program's line), so
the engine tells a finished program from one that died, and ends with ``os._exit``: what follows a
finished program is only interpreter teardown.
"""

import argparse
import gc
import json
import os
import sys
import threading
import traceback

# Run by path, this file's directory comes first on sys.path: it must not shadow the program's modules.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

# The collector's default thresholds walk the SDK's large, long-lived object graphs every few hundred
# allocations (about 40 % of a 1,000-resource run); a program runs once, so collections are made rare.
_GC_THRESHOLD_WHILE_RUNNING = 200_000
_MAX_MESSAGE = 16_000
_SDK_MISSING = 3  # exit code: the interpreter has no Pulumi SDK


def program_position(trace, program_dir):
    """`` (at __main__.py:12)``: the innermost frame of the program's own files, or nothing."""
    inside = [
        frame
        for frame in traceback.extract_tb(trace)
        if frame.filename.startswith(str(program_dir) + os.sep) and os.sep + ".venv" + os.sep not in frame.filename
    ]
    if not inside:
        return ""
    frame = inside[-1]
    return f" (at {os.path.relpath(frame.filename, program_dir)}:{frame.lineno})"


def _described(error, program_dir):
    return f"{type(error).__name__}: {error}{program_position(error.__traceback__, program_dir)}"


def main():
    parser = argparse.ArgumentParser(description="Run a Pulumi Python program against an offline engine")
    parser.add_argument("--monitor", required=True)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--organization", required=True)
    parser.add_argument("--root-directory", required=True)
    parser.add_argument("--dry-run", choices=("true", "false"), required=True)
    parser.add_argument("--parallel", type=int, default=0)
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument("program")
    args = parser.parse_args()

    result = os.fdopen(args.result_fd, "w", encoding="utf-8")
    os.set_inheritable(args.result_fd, False)  # the program's own child processes must not hold it open

    def finish(error):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # the program may have replaced or closed them
            pass
        result.write(json.dumps({"error": None if error is None else error[:_MAX_MESSAGE]}) + "\n")
        result.flush()
        os._exit(0)

    try:
        import pulumi.runtime
        from pulumi.runtime import settings as runtime_settings
    except ImportError as missing:
        print(
            f"the program's interpreter {sys.executable} has no Pulumi SDK ({missing}); "
            "install the program's requirements into it (pulumi install)",
            file=sys.stderr,
        )
        os._exit(_SDK_MISSING)

    program_dir = os.path.abspath(args.root_directory)
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    runtime_settings.configure(
        runtime_settings.Settings(
            project=args.project,
            stack=args.stack,
            monitor=args.monitor,
            engine=args.engine,
            parallel=args.parallel or None,
            dry_run=args.dry_run == "true",
            organization=args.organization,
            root_directory=program_dir,
        )
    )
    sys.argv = [args.program]
    os.chdir(program_dir)

    import asyncio
    import logging

    # As the real exec script: asyncio's complaints about futures a failed program never observed are noise.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    thread_errors = []

    def thread_failed(failure):
        # A thread the program started died: its resources are missing, so the run has failed.
        where = program_position(failure.exc_traceback, program_dir)
        thread_errors.append(f"a thread of the program failed: {failure.exc_type.__name__}: {failure.exc_value}{where}")

    threading.excepthook = thread_failed

    def program():
        try:
            runpy.run_path(args.program, run_name="__main__")
        except SystemExit as exit_request:
            # The language host treats a program that exits as finished; only a failure code fails it.
            if exit_request.code not in (None, 0):
                raise pulumi.RunError(f"the program exited with code {exit_request.code}") from None

    import runpy

    gc.set_threshold(_GC_THRESHOLD_WHILE_RUNNING, *gc.get_threshold()[1:])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    error = None
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(program))
    except pulumi.RunError as failure:
        error = str(failure)
    except BaseException as failure:  # KeyboardInterrupt and the program's own BaseException subclasses too
        error = _described(failure, program_dir)
    if thread_errors:
        error = "\n".join([*([error] if error else []), *thread_errors])
    finish(error)


if __name__ == "__main__":
    main()
