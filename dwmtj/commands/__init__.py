"""The ``dwmtj`` subcommands, one module per job; each defines ``register(subparsers)``, which
adds its subcommand(s) and stores the handler as ``func`` on the parser. A handler takes the
parsed ``argparse.Namespace``, calls library functions and prints.

The library modules a handler needs are imported inside the handler when they load JAX,
ubermag or matplotlib (see each module's comment): ``dwmtj --help`` stays fast, and JAX is
not loaded before :func:`dwmtj.cli.use_all_cpu_cores` has set its flags.
"""
