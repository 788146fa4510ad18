"""Module bookkeeping and hooks, and the containers ModuleList and ModuleDict:
traversal order and names, state_dict, modes, apply, repr, and the forward,
forward pre-, backward and backward pre-hooks with PyTorch's signatures."""

from collections import OrderedDict

import numpy as np
import pytest

import minidl as mdl
from minidl import nn


def _tree():
    shared = nn.Linear(2, 2)
    return nn.Sequential(OrderedDict(
        block=nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)),
        head=shared,
        again=shared,
    ))


def test_named_modules_are_depth_first_with_prefix_and_duplicates():
    model = _tree()
    assert [n for n, _ in model.named_modules()] == ["", "block", "block.0", "block.1", "head"]
    assert [n for n, _ in model.named_modules(prefix="m")] == [
        "m", "m.block", "m.block.0", "m.block.1", "m.head"]
    assert [n for n, _ in model.named_modules(remove_duplicate=False)] == [
        "", "block", "block.0", "block.1", "head", "again"]
    assert [n for n, _ in model.named_children()] == ["block", "head"]


def test_named_parameters_recurse_and_duplicates():
    model = _tree()
    assert [n for n, _ in model.named_parameters()] == [
        "block.0.weight", "block.0.bias", "block.1.weight", "block.1.bias", "head.weight",
        "head.bias"]
    assert [n for n, _ in model.named_parameters(remove_duplicate=False)] == [
        "block.0.weight", "block.0.bias", "block.1.weight", "block.1.bias", "head.weight",
        "head.bias", "again.weight", "again.bias"]
    assert list(model.named_parameters(recurse=False)) == []
    assert [n for n, _ in model.block[0].named_parameters("x", recurse=False)] == [
        "x.weight", "x.bias"]
    assert len(list(model.parameters(recurse=False))) == 0
    assert [n for n, _ in model.named_buffers()] == [
        "block.1.running_mean", "block.1.running_var", "block.1.num_batches_tracked"]


def test_state_dict_order_prefix_keep_vars_and_shared_modules():
    model = _tree()
    keys = list(model.state_dict())
    assert keys == ["block.0.weight", "block.0.bias", "block.1.weight", "block.1.bias",
                    "block.1.running_mean", "block.1.running_var",
                    "block.1.num_batches_tracked", "head.weight", "head.bias", "again.weight",
                    "again.bias"]
    state = model.state_dict(prefix="model.")
    assert list(state)[0] == "model.block.0.weight"
    kept = model.state_dict(keep_vars=True)
    assert kept["head.weight"] is model.head.weight
    detached = model.state_dict()["head.weight"]
    assert detached is not model.head.weight and not detached.requires_grad
    # a loaded state dict with the shared entries goes back in
    result = model.load_state_dict(model.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_non_persistent_buffers_stay_out_of_state_dict():
    layer = nn.Linear(2, 2)
    layer.register_buffer("scratch", mdl.zeros(2), persistent=False)
    layer.register_buffer("kept", mdl.ones(2))
    assert list(layer.state_dict()) == ["weight", "bias", "kept"]
    assert [n for n, _ in layer.named_buffers()] == ["scratch", "kept"]


def test_attribute_rules():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = mdl.zeros(2, 2)
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert "bias" in layer._parameters
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        layer.add_module("weight", nn.ReLU())
    with pytest.raises(KeyError, match='contain ".", got: a.b'):
        layer.add_module("a.b", nn.ReLU())
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        layer.add_module("c", 3)
    model = _tree()
    assert model.get_submodule("block.1") is model.block[1]
    assert model.get_parameter("block.0.bias") is model.block[0].bias
    with pytest.raises(AttributeError, match="no attribute `nope`"):
        model.get_submodule("block.nope")


def test_train_eval_apply_requires_grad_and_zero_grad(device):
    model = _tree().to(device)
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="boolean"):
        model.train("yes")
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "BatchNorm1d", "Sequential", "Linear", "Sequential"]
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    model(mdl.randn(4, 3, device=device)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_repr_nests_like_pytorch():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU()))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "  )\n"
        ")")
    listed = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh()])
    assert repr(listed) == "ModuleList(\n  (0-1): 2 x ReLU()\n  (2): Tanh()\n)"
    assert repr(nn.ModuleList()) == "ModuleList()"


# ---- containers ----------------------------------------------------------------------
def test_module_list_behaves_like_a_list():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Tanh()
    items = nn.ModuleList([a, b])
    assert len(items) == 2 and items[0] is a and items[-1] is b
    items.append(c)
    items.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in items] == ["Sigmoid", "Linear", "ReLU", "Tanh"]
    assert list(items._modules) == ["0", "1", "2", "3"]
    assert items.pop(1) is a
    del items[0]
    assert list(items) == [b, c] and list(items._modules) == ["0", "1"]
    items[1] = a
    assert items[1] is a
    items += [c]
    items.extend(nn.ModuleList([b]))
    assert len(items) == 4
    sliced = items[1:3]
    assert isinstance(sliced, nn.ModuleList) and list(sliced) == [a, c]
    assert len(items + sliced) == 6
    assert [n for n, _ in nn.Sequential(items).named_parameters()] == ["0.1.weight",
                                                                        "0.1.bias"]
    with pytest.raises(IndexError, match="index 7 is out of range"):
        items[7]
    with pytest.raises(TypeError, match="should be called with an iterable"):
        items.extend(3)
    with pytest.raises(NotImplementedError, match="forward"):
        items(mdl.zeros(2))


def test_module_dict_behaves_like_a_dict():
    relu, tanh = nn.ReLU(), nn.Tanh()
    layers = nn.ModuleDict({"act": relu})
    layers["out"] = nn.Linear(2, 2)
    layers.update([("squash", tanh)])
    layers.update(OrderedDict(act=tanh))
    assert list(layers) == ["act", "out", "squash"] == list(layers.keys())
    assert layers["act"] is tanh and "out" in layers and len(layers) == 3
    assert [k for k, _ in layers.items()] == list(layers.keys())
    assert list(layers.values())[2] is tanh
    assert [n for n, _ in layers.named_parameters()] == ["out.weight", "out.bias"]
    assert layers.pop("act") is tanh
    del layers["squash"]
    assert list(layers) == ["out"]
    layers.clear()
    assert len(layers) == 0
    with pytest.raises(KeyError):
        layers["nope"]
    with pytest.raises(ValueError, match="element #0 has length 3"):
        layers.update([("a", relu, 1)])
    with pytest.raises(TypeError, match="iterable of key/value pairs"):
        layers.update(3)


def test_sequential_insert_extend_delete():
    model = nn.Sequential(nn.ReLU(), nn.Tanh())
    model.insert(1, nn.Sigmoid())
    model.extend([nn.Identity()])
    assert [type(m).__name__ for m in model] == ["ReLU", "Sigmoid", "Tanh", "Identity"]
    del model[0]
    assert list(model._modules) == ["0", "1", "2"]
    assert type(model.pop(-1)).__name__ == "Identity"
    model[0] = nn.ReLU()
    assert type(model[0]).__name__ == "ReLU"


# ---- hooks -------------------------------------------------------------------------------
def test_forward_pre_hooks_and_forward_hooks(device):
    layer = nn.Linear(3, 2).to(device)
    calls = []

    def double_input(module, args):
        calls.append("pre")
        return args[0] * 2  # a non-tuple is wrapped in a 1-tuple

    def first(module, args):
        calls.append("first")

    def add_one(module, args, output):
        calls.append(("hook", args[0].shape))
        return output + 1

    h1 = layer.register_forward_pre_hook(double_input)
    layer.register_forward_pre_hook(first, prepend=True)
    layer.register_forward_hook(add_one)
    x = mdl.randn(4, 3, device=device)
    out = layer(x)
    assert calls == ["first", "pre", ("hook", (4, 3))]
    expected = (x * 2).numpy() @ layer.weight.numpy().T + layer.bias.numpy() + 1
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    with h1:
        pass  # a handle is a context manager that removes its hook
    np.testing.assert_allclose(layer(x).numpy(), layer.forward(x).numpy() + 1, rtol=1e-6)


def test_hooks_with_kwargs(device):
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    module = Scale()
    module.register_forward_pre_hook(lambda m, a, k: (a, {"factor": 3.0}), with_kwargs=True)
    seen = {}
    module.register_forward_hook(lambda m, a, k, out: seen.update(k), with_kwargs=True)
    x = mdl.ones(2, device=device)
    np.testing.assert_array_equal(module(x, factor=2.0).numpy(), [3.0, 3.0])
    assert seen == {"factor": 3.0}


def test_full_backward_hook_sees_and_replaces_grad_input(device):
    mdl.manual_seed(0)
    layer = nn.Linear(3, 2).to(device)
    x = mdl.randn(4, 3, device=device, requires_grad=True)
    seen = {}

    def hook(module, grad_input, grad_output):
        seen["grad_input"] = [g.numpy().copy() for g in grad_input]
        seen["grad_output"] = [g.numpy().copy() for g in grad_output]
        return (grad_input[0] * 3,)

    handle = layer.register_full_backward_hook(hook)
    weights = mdl.randn(4, 2, device=device)
    (layer(x) * weights).sum().backward()
    np.testing.assert_allclose(seen["grad_output"][0], weights.numpy())
    plain = weights.numpy() @ layer.weight.numpy()
    np.testing.assert_allclose(seen["grad_input"][0], plain, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 3 * plain, rtol=1e-5, atol=1e-6)
    # the parameters' gradients do not go through grad_input
    np.testing.assert_allclose(layer.bias.grad.numpy(), weights.numpy().sum(0), rtol=1e-5)
    handle.remove()
    x.grad = None
    (layer(x) * weights).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), plain, rtol=1e-5, atol=1e-6)


def test_backward_pre_hook_replaces_grad_output(device):
    layer = nn.Linear(3, 2).to(device)
    x = mdl.randn(4, 3, device=device, requires_grad=True)
    order = []
    layer.register_full_backward_pre_hook(
        lambda m, go: order.append("pre") or (go[0] * 0,))
    layer.register_full_backward_hook(
        lambda m, gi, go: order.append(("hook", float(go[0].abs().sum()))))
    layer(x).sum().backward()
    assert order == ["pre", ("hook", 0.0)]
    assert not x.grad.numpy().any() and not layer.weight.grad.numpy().any()


def test_backward_hook_entries_follow_the_positional_arguments(device):
    class Mix(nn.Module):
        def forward(self, a, scale, b):
            return a * scale + b * 2, b.sum()

    module = Mix()
    seen = {}
    module.register_full_backward_hook(lambda m, gi, go: seen.update(gi=gi, go=go))
    a = mdl.ones(3, device=device, requires_grad=True)
    b = mdl.ones(3, device=device)  # no gradient wanted
    first, _ = module(a, 5.0, b)
    first.sum().backward()
    assert seen["gi"][1] is None and seen["gi"][2] is None
    np.testing.assert_array_equal(seen["gi"][0].numpy(), [5.0, 5.0, 5.0])
    assert len(seen["go"]) == 2 and seen["go"][1] is None


def test_backward_hook_without_input_gradients_fires_at_the_output(device):
    layer = nn.Linear(3, 2).to(device)
    seen = []
    layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        layer(mdl.randn(4, 3, device=device)).sum().backward()
    assert seen == [((None,), (4, 2))]
    assert layer.weight.grad is not None


def test_backward_hook_bad_return_is_refused(device):
    layer = nn.Linear(3, 2).to(device)
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    x = mdl.randn(4, 3, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        layer(x).sum().backward()


def test_backward_hooks_on_a_container_see_its_boundary(device):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).to(device)
    shapes = []
    model.register_full_backward_hook(
        lambda m, gi, go: shapes.append((gi[0].shape, go[0].shape)))
    model[2].register_full_backward_hook(
        lambda m, gi, go: shapes.append((gi[0].shape, go[0].shape)))
    model(mdl.randn(5, 3, device=device, requires_grad=True)).sum().backward()
    assert shapes == [((5, 4), (5, 2)), ((5, 3), (5, 2))]
