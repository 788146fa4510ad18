"""The API documents itself: every public class and function of minidl has a
docstring, and every parameter it takes is named in that docstring.

The public names are a module's ``__all__`` (else its names not starting with
``_``) for the packages below, plus the public methods and properties of
their classes (``Tensor``, ``nn.Module``, ``optim.Optimizer`` and the rest).
Objects defined outside minidl and exception classes are skipped. A class's
parameters are those of
its ``__init__`` and may be described in the class or the ``__init__``
docstring. ``inspect.getdoc`` inherits a method's docstring from its base
class, so an overriding ``forward`` is covered by ``Module.forward``'s.
"""

import importlib
import inspect
import re

import minidl as mdl
from minidl import nn, optim

PUBLIC_MODULES = (
    "minidl", "minidl.nn", "minidl.nn.functional", "minidl.nn.init", "minidl.nn.utils",
    "minidl.optim", "minidl.optim.lr_scheduler", "minidl.utils.data",
    "minidl.vision.datasets", "minidl.vision.transforms", "minidl.data",
    "minidl.accelerator", "minidl.onnx",
)

# The keyword arguments PyTorch documents once for all its tensor functions;
# minidl documents them once too, in the package docstring (minidl/__init__.py).
COMMON_KEYWORDS = frozenset({
    "out", "dtype", "device", "requires_grad", "generator", "layout", "memory_format",
    "pin_memory",
})

def _defined_in_minidl(obj):
    module = getattr(obj, "__module__", None) or ""
    return module == "minidl" or module.startswith("minidl.")


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    return names


def _checked_kind(obj):
    """'class', 'function' or None for objects outside the check."""
    if isinstance(obj, type):
        if issubclass(obj, BaseException):
            return None
        return "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj):
        return "function"
    return None


def _public_objects():
    """(qualified name, object) for every checked module-level object, once each."""
    seen = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in _public_names(module):
            obj = getattr(module, name)
            if (_checked_kind(obj) is None or not _defined_in_minidl(obj)
                    or id(obj) in seen):
                continue
            seen.add(id(obj))
            yield f"{module_name}.{name}", obj


def _class_members(cls):
    """(where it is defined, member, whether its first parameter is the
    instance or class) for the public methods and properties of ``cls``,
    inherited ones included."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        member = inspect.getattr_static(cls, name)
        bound = not isinstance(member, staticmethod)
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        function = member.fget if isinstance(member, property) else member
        if inspect.isfunction(function) and _defined_in_minidl(function):
            where = f"{function.__module__}.{function.__qualname__}"
            if "." not in function.__qualname__:  # a function bound to the class
                where = f"{cls.__module__}.{cls.__qualname__}.{name} ({where})"
            yield where, member, bound


def _public_objects_and_members():
    """(qualified name, object, whether it is a method) for every object."""
    objects = list(_public_objects())
    for qualified_name, obj in objects:
        yield qualified_name, obj, False
    for _, obj in objects:
        if isinstance(obj, type):
            yield from _class_members(obj)


def _doc_of(obj):
    if isinstance(obj, property):
        return inspect.getdoc(obj.fget) if obj.__doc__ is None else inspect.getdoc(obj)
    return inspect.getdoc(obj)


def _parameter_names(obj, is_method):
    """The names a caller passes: an initialiser's or function's parameters,
    less the instance (``self``, or ``input`` of a Tensor method that is a
    function of ``minidl.api``), ``cls`` and anonymous ``*args``/``**kwargs``."""
    target = obj.__init__ if isinstance(obj, type) else obj
    if isinstance(obj, type) and target is object.__init__:
        return []
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    names = []
    for position, parameter in enumerate(signature.parameters.values()):
        if position == 0 and (is_method or parameter.name in ("self", "cls")):
            continue
        if parameter.name in ("args", "kwargs"):
            continue
        names.append(parameter.name)
    return names


def _full_doc(obj):
    """A function's docstring; a class's together with its ``__init__``'s and,
    when the initialiser is inherited, the docstring of the class defining it
    (``FashionMNIST(MNIST)`` takes MNIST's arguments)."""
    doc = _doc_of(obj) or ""
    if isinstance(obj, type) and obj.__init__ is not object.__init__:
        owner = next(cls for cls in obj.__mro__ if "__init__" in vars(cls))
        doc += "\n" + (inspect.getdoc(obj.__init__) or "") + "\n" + (owner.__doc__ or "")
    return doc


def _mentions(doc, name):
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", doc) is not None


def _checked_objects():
    """Every checked object once (a Tensor method is often the function of
    the same name in ``minidl``; a layer inherits Module's methods)."""
    seen = set()
    for qualified_name, obj, is_method in _public_objects_and_members():
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield qualified_name, obj, is_method


def _offenders():
    missing, undescribed = [], []
    for qualified_name, obj, is_method in _checked_objects():
        if not _doc_of(obj):
            missing.append(qualified_name)
            continue
        if isinstance(obj, property):
            continue
        doc = _full_doc(obj)
        for name in _parameter_names(obj, is_method):
            if name not in COMMON_KEYWORDS and not _mentions(doc, name):
                undescribed.append(f"{qualified_name}: {name}")
    return missing, undescribed


def test_the_walk_covers_the_api():
    names = {name for name, _, _ in _checked_objects()}
    for expected in ("minidl.zeros", "minidl.nn.Linear", "minidl.optim.SGD",
                     "minidl.tensor.Tensor.dtype", "minidl.nn.module.Module.forward",
                     "minidl.optim.optimizer.Optimizer.zero_grad",
                     "minidl.optim.lr_scheduler.OneCycleLR"):
        assert expected in names, expected
    assert len(names) > 300


def test_every_public_object_has_a_docstring():
    missing, _ = _offenders()
    assert not missing, f"{len(missing)} without a docstring:\n" + "\n".join(missing)


def test_every_parameter_is_described():
    _, undescribed = _offenders()
    assert not undescribed, (f"{len(undescribed)} parameters not named in their docstring:\n"
                             + "\n".join(undescribed))


def test_common_keywords_are_documented_once_in_the_package_docstring():
    doc = mdl.__doc__
    assert "Keyword arguments common to the tensor functions" in doc
    for name in COMMON_KEYWORDS:
        assert f"``{name}``" in doc, name
