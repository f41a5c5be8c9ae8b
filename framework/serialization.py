"""Placeholder: framework.save / framework.load are written with the nn issue (safetensors + JSON)."""


def save(obj, path):
    raise NotImplementedError("framework.save is not implemented yet")


def load(path):
    raise NotImplementedError("framework.load is not implemented yet")
