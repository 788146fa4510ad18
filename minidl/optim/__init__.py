"""Optimizers (``from minidl import optim``) and learning-rate schedules."""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "Adagrad", "lr_scheduler"]

