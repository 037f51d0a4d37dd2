"""``dwmtj train stream|resnet``: train a network that uses a device model.

The networks' own subcommands come from :mod:`dwmtj.commands.stream` (stream learning,
Figs. 4-5) and :mod:`dwmtj.commands.inference` (the ResNet for analog inference, Fig. 6);
this module assembles them under ``train``.
"""

from __future__ import annotations

import argparse

from dwmtj.commands import inference, stream


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` with one sub-subcommand per network."""
    train = subparsers.add_parser("train", help="train a network that uses a device model")
    networks = train.add_subparsers(dest="network", metavar="NETWORK", required=True)
    stream.register_train(networks)
    inference.register_train(networks)
