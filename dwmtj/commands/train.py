"""CLI of the network applications: ``dwmtj train stream|resnet`` and ``dwmtj infer``.

The subcommands are contributed by ``nn.stream_cli`` (stream learning, Figs. 4-5) and
``nn.inference_cli`` (ResNet training and analog inference, Fig. 6); this module only
assembles them.
"""

from __future__ import annotations

import argparse
import importlib


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` (with one sub-subcommand per network) and ``infer``."""
    stream = _optional("nn.stream_cli")
    inference = _optional("nn.inference_cli")
    trainers = [m for m in (stream, inference) if m is not None and hasattr(m, "register_train")]
    if trainers:
        train = subparsers.add_parser("train", help="train a network that uses a device model")
        networks = train.add_subparsers(dest="network", metavar="NETWORK", required=True)
        for module in trainers:
            module.register_train(networks)
    if inference is not None and hasattr(inference, "register_infer"):
        inference.register_infer(subparsers)
