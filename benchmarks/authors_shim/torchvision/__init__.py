"""Minimal stand-in for the torchvision.transforms the authors' Fig. 4a code uses (the installed
torchvision does not match this torch build): ToPILImage, ToTensor, Normalize, Compose."""

from . import transforms  # noqa: F401
